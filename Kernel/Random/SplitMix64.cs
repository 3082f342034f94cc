using System.Runtime.CompilerServices;

namespace Stochastic.Random;

/// <summary>
/// SplitMix64 (Steele, Lea &amp; Flood 2014): a 64-bit mixing function, used to turn
/// (seed, stream index) into well-spread generator states.
/// </summary>
internal static class SplitMix64
{
    /// <summary>The SplitMix64 finalizer applied to <paramref name="x"/> + golden-ratio increment.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong Mix(ulong x)
    {
        ulong z = x + 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
