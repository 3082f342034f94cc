namespace Stochastic.Lanes;

/// <summary>
/// The one place that asks the hardware which lane width to run: decided once per process, so the
/// batch kernel and the random streams agree and no hot loop re-decides it. The <c>DOTNET_Enable…</c>
/// switches (AVX512F, AVX2, HWIntrinsic) act through <c>IsHardwareAccelerated</c>, read here at
/// startup. Being <c>static readonly</c>, the value is a constant to the optimizing JIT, so branches
/// on it compile away.
/// </summary>
internal static class LaneWidth
{
    /// <summary>Doubles per vector at the widest accelerated width: 8 (Vector512), 4 (Vector256), 2 (Vector128) or 1 (scalar).</summary>
    public static readonly int Widest =
        Vector512Lanes.IsHardwareAccelerated ? Vector512Lanes.Count
        : Vector256Lanes.IsHardwareAccelerated ? Vector256Lanes.Count
        : Vector128Lanes.IsHardwareAccelerated ? Vector128Lanes.Count
        : ScalarLanes.Count;
}
