using Stochastic.Network;

namespace Stochastic.Simulation.SlowScale;

/// <summary>
/// The end of a leap interval, shared by the scalar hybrid (<see cref="SlowScaleSimulator"/>) and the
/// multi-scale batch lanes: the net change the leaped reactions' drawn firings make, with the firings
/// reduced where they would take a count below zero.
/// </summary>
internal static class LeapFirings
{
    /// <summary>
    /// Writes into <paramref name="change"/> the net change of <paramref name="firings"/> of the reactions in
    /// <paramref name="leapList"/> (network <paramref name="net"/>), after reducing those firings so that
    /// <paramref name="counts"/> + change stays non-negative; true when some firing was reduced.
    /// </summary>
    public static bool NetChange(CompiledNetwork net, double[] counts, List<int> leapList, double[] firings, double[] change)
    {
        Array.Clear(change);
        foreach (int j in leapList)
            for (int c = net.ChangeOffsets[j]; c < net.ChangeOffsets[j + 1]; c++) change[net.ChangeSpecies[c]] += firings[j] * net.ChangeAmounts[c];
        // Rare: a leap that would take a count below zero. The leaped firings consuming such a species are
        // reduced, largest first, until it is non-negative.
        bool corrected = false;
        for (int s = 0; s < counts.Length; s++)
        {
            if (counts[s] + change[s] >= 0) continue;
            // A negative change needs a leaped firing that consumes s, so one is always found.
            int worst = -1;
            double most = 0;
            foreach (int j in leapList)
                for (int c = net.ChangeOffsets[j]; c < net.ChangeOffsets[j + 1]; c++)
                    if (net.ChangeSpecies[c] == s && -net.ChangeAmounts[c] * firings[j] > most) { most = -net.ChangeAmounts[c] * firings[j]; worst = j; }
            firings[worst]--;
            for (int c = net.ChangeOffsets[worst]; c < net.ChangeOffsets[worst + 1]; c++) change[net.ChangeSpecies[c]] -= net.ChangeAmounts[c];
            corrected = true;
            s = -1; // one firing fewer can lower a product's count: check every species again
        }
        return corrected;
    }
}
