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
}
