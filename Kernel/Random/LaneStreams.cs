using System.Runtime.CompilerServices;
using Stochastic.Simulation.Batch;

namespace Stochastic.Random;

/// <summary>
/// The random streams of the lanes of one vector: lane i draws from its own
/// <see cref="PhiloxStream"/>, and only when its mask bit is set, so what a lane draws depends
/// only on its own history. Not thread-safe; one per worker.
/// </summary>
internal sealed class LaneStreams(int lanes)
{
    public readonly PhiloxStream[] Streams = new PhiloxStream[lanes];

    /// <summary>Uniforms in [0, 1) for the lanes set in <paramref name="mask"/>, 0 elsewhere.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public TV NextUniform<TL, TV>(TV mask) where TL : ILanes<TV> where TV : struct
    {
        uint bits = TL.MaskBits(mask);
        if (bits == 0) return TL.Create(0);
        Span<double> values = stackalloc double[TL.Count];
        var streams = Streams;
        for (int i = 0; i < values.Length; i++) values[i] = ((bits >> i) & 1) != 0 ? streams[i].NextDouble() : 0;
        return TL.Load(values);
    }
}
