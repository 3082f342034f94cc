using System.Runtime.Intrinsics;
using Stochastic.Lanes;
using Stochastic.Random;
using Xunit;

namespace Stochastic.Tests;

/// <summary>Philox4x32-10 against the known-answer vectors published with Random123 (kat_vectors).</summary>
public class Philox4x32Tests
{
    [Theory]
    [InlineData(0x00000000u, 0x00000000u, 0x00000000u, 0x00000000u, 0x00000000u, 0x00000000u, 0x6627e8d5u, 0xe169c58du, 0xbc57ac4cu, 0x9b00dbd8u)]
    [InlineData(0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu, 0x408f276du, 0x41c83b0eu, 0xa20bc7c6u, 0x6d5451fdu)]
    [InlineData(0x243f6a88u, 0x85a308d3u, 0x13198a2eu, 0x03707344u, 0xa4093822u, 0x299f31d0u, 0xd16cfe09u, 0x94fdccebu, 0x5001e420u, 0x24126ea1u)]
    public void Block_MatchesRandom123KnownAnswers(uint c0, uint c1, uint c2, uint c3, uint k0, uint k1, uint e0, uint e1, uint e2, uint e3)
    {
        Assert.Equal((e0, e1, e2, e3), Philox4x32.Block(c0, c1, c2, c3, k0, k1));
    }

    [Fact]
    public void Stream_DependsOnlyOnSeedAndStreamIndex()
    {
        var a = new PhiloxStream(42, 7);
        var b = new PhiloxStream(42, 7);
        var other = new PhiloxStream(42, 8);
        int same = 0;
        for (int i = 0; i < 1000; i++)
        {
            double x = a.NextDouble();
            Assert.Equal(x, b.NextDouble());
            if (x == other.NextDouble()) same++;
            Assert.InRange(x, 0, 1 - 1.0 / (1UL << 53));
        }
        Assert.Equal(0, same);
    }

    /// <summary>
    /// The vectorized lane streams give each lane exactly the scalar stream's draws, whatever the
    /// width and whichever lanes draw (masks follow a fixed pseudo-random pattern, so lanes hold a
    /// spare half-block at different times).
    /// </summary>
    [Fact]
    public void LaneStreams_MatchScalarStreamsAtEveryWidth()
    {
        LaneStreamsMatch<ScalarLanes, double>();
        LaneStreamsMatch<Vector128Lanes, Vector128<double>>();
        LaneStreamsMatch<Vector256Lanes, Vector256<double>>();
        LaneStreamsMatch<Vector512Lanes, Vector512<double>>();
    }

    private static void LaneStreamsMatch<TL, TV>() where TL : ILanes<TV> where TV : struct
    {
        int lanes = TL.Count;
        var streams = new LaneStreams(lanes);
        var reference = new PhiloxStream[lanes];
        for (int i = 0; i < lanes; i++)
        {
            ulong seed = 0x0123456789ABCDEFUL + (ulong)i * 0x9E3779B97F4A7C15UL, stream = (ulong)i << 33 | (uint)i;
            streams.Set(i, seed, stream);
            reference[i] = new PhiloxStream(seed, stream);
        }
        var masks = new double[lanes];
        var values = new double[lanes];
        for (int draw = 0; draw < 2000; draw++)
        {
            ulong bits = SplitMix64.Mix((ulong)draw + 5);
            for (int i = 0; i < lanes; i++) masks[i] = ((bits >> i) & 1) != 0 ? BitConverter.UInt64BitsToDouble(ulong.MaxValue) : 0;
            if (draw % 7 == 3)
            {
                // A single lane alone (the scalar retry path of the Poisson sampler).
                int lane = (int)(bits % (ulong)lanes);
                Assert.Equal(reference[lane].NextDouble(), streams.NextDouble(lane));
                continue;
            }
            TL.Store(streams.NextUniform<TL, TV>(TL.Load(masks)), values);
            for (int i = 0; i < lanes; i++)
                Assert.Equal(((bits >> i) & 1) != 0 ? reference[i].NextDouble() : 0, values[i]);
        }
    }
}
