namespace Stochastic.Simulation.Tau;

/// <summary>One vector's worth of tau-leaping, width erased: the dispatch point chosen once per run.</summary>
internal interface ITauLeapingKernel
{
    /// <summary>Lanes per vector.</summary>
    int Lanes { get; }
    /// <summary>Runs one chunk of cells to the end of the grid.</summary>
    void Run(in ChunkJob job, ulong seed);
}
