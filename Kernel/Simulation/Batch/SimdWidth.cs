using Stochastic.Lanes;
using Stochastic.Simulation.Tau;

namespace Stochastic.Simulation.Batch;

/// <summary>Lane width used by the batch engine.</summary>
public enum SimdWidth
{
    /// <summary>The widest the hardware accelerates: Vector512, then Vector256, then Vector128, then scalar.</summary>
    Auto,
    /// <summary>One lane: the reference every other width reproduces bit for bit.</summary>
    Scalar,
    /// <summary>Two double lanes (Vector128).</summary>
    Vector128,
    /// <summary>Four double lanes (Vector256).</summary>
    Vector256,
    /// <summary>Eight double lanes (Vector512).</summary>
    Vector512,
}

/// <summary>Builds kernels of a lane width; <see cref="SimdWidth.Auto"/> is what <see cref="LaneWidth"/> decided for the process.</summary>
/// <remarks>The kernel itself is tau-leaping and lives in Simulation.Tau, beside the scalar simulator that
/// runs it on one cell; the batch engine only picks a width and builds kernels, so Batch depends on Tau
/// and not the reverse.</remarks>
internal static class TauLeapingKernelFactory
{
    private static readonly SimdWidth Widest = LaneWidth.Widest switch
    {
        8 => SimdWidth.Vector512,
        4 => SimdWidth.Vector256,
        2 => SimdWidth.Vector128,
        _ => SimdWidth.Scalar,
    };

    /// <summary>Resolves <see cref="SimdWidth.Auto"/> to the widest accelerated width; explicit widths are kept (they are correct, if slow, without hardware support).</summary>
    public static SimdWidth Resolve(SimdWidth width) => width != SimdWidth.Auto ? width : Widest;

    public static ITauLeapingKernel Create(SimdWidth width, TauLeapingPlan plan, double epsilon, TimeGrid grid) => Resolve(width) switch
    {
        SimdWidth.Scalar => new TauLeapingKernel<ScalarLanes, double>(plan, epsilon, grid),
        SimdWidth.Vector128 => new TauLeapingKernel<Vector128Lanes, System.Runtime.Intrinsics.Vector128<double>>(plan, epsilon, grid),
        SimdWidth.Vector256 => new TauLeapingKernel<Vector256Lanes, System.Runtime.Intrinsics.Vector256<double>>(plan, epsilon, grid),
        SimdWidth.Vector512 => new TauLeapingKernel<Vector512Lanes, System.Runtime.Intrinsics.Vector512<double>>(plan, epsilon, grid),
        _ => throw new ArgumentOutOfRangeException(nameof(width)),
    };

    public static int LaneCount(SimdWidth width) => Resolve(width) switch
    {
        SimdWidth.Scalar => 1,
        SimdWidth.Vector128 => 2,
        SimdWidth.Vector256 => 4,
        _ => 8,
    };
}
