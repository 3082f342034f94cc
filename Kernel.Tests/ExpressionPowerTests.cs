using Stochastic.Expressions;
using Stochastic.Model;
using Xunit;

namespace Stochastic.Tests;

/// <summary><see cref="ExpressionEvaluator.Power"/>: the multiplication fast path for Hill exponents agrees with <see cref="Math.Pow"/>.</summary>
public class ExpressionPowerTests
{
    [Fact]
    public void IntegerExponents_AgreeWithMathPow_WithinFourUlps()
    {
        // x² is one correctly rounded product; x³ and x⁴ are two, each within half an ulp, so they
        // stay within 2 ulps of the exact value, and Math.Pow within 1: 4 ulps (4·2⁻⁵² relative) bound
        // the difference. 0, negatives, and bases whose powers underflow or overflow are included.
        var rng = new System.Random(7);
        var bases = new List<double> { 0, -0.0, 1, -1, 0.5, -2.5, 1e-80, 1e80, 3.0000000000000004 };
        for (int i = 0; i < 2000; i++) bases.Add((rng.NextDouble() - 0.5) * Math.Pow(10, rng.Next(-30, 30)));
        foreach (double x in bases)
            for (int n = 1; n <= 4; n++)
            {
                double expected = Math.Pow(x, n), actual = ExpressionEvaluator.Power(x, n);
                if (!double.IsFinite(expected)) { Assert.Equal(expected, actual); continue; }
                // Results in the subnormal range have an absolute, not relative, resolution of 2⁻¹⁰⁷⁴.
                double bound = Math.Max(4 * Math.ScaleB(1, -52) * Math.Abs(expected), 2 * double.Epsilon);
                Assert.True(Math.Abs(actual - expected) <= bound, $"{x}^{n}: {actual} vs {expected}");
            }
        Assert.Equal(Math.Pow(2.0, 2.0), ExpressionEvaluator.Power(2, 2));
    }

    [Theory]
    [InlineData(2.0, 0.5)]
    [InlineData(-8.0, 1.0 / 3)]
    [InlineData(3.0, 0.0)]
    [InlineData(3.0, -2.0)]
    [InlineData(0.0, -1.0)]
    [InlineData(double.NaN, 2.0)]
    [InlineData(double.NegativeInfinity, 3.0)]
    public void OtherExponentsAndSpecialValues_AreMathPow(double x, double y) =>
        Assert.Equal(Math.Pow(x, y), ExpressionEvaluator.Power(x, y));

    [Fact]
    public void CompiledAndInterpretedHillFunction_Agree()
    {
        // A Hill repression written as in a rate law: 1/(1 + (x/K)^n), n a parameter.
        var at = new SourcePosition("test", 1, 1);
        var expr = new BinaryExpr(BinaryOperator.Divide, new NumberExpr(1, at),
            new BinaryExpr(BinaryOperator.Add, new NumberExpr(1, at),
                new BinaryExpr(BinaryOperator.Power,
                    new BinaryExpr(BinaryOperator.Divide, new SymbolExpr(SymbolKind.Species, 0, "x", at), new SymbolExpr(SymbolKind.Parameter, 0, "K", at), at),
                    new SymbolExpr(SymbolKind.Parameter, 1, "n", at), at), at), at);
        var compiled = ExpressionCompiler.Compile(expr);
        foreach (double n in new[] { 1.0, 2, 3, 4, 1.5 })
            foreach (double x in new[] { 0.0, 3, 17, 250 })
            {
                double[] species = [x], parameters = [20, n];
                double interpreted = ExpressionEvaluator.Evaluate(expr, s => s.Kind == SymbolKind.Species ? species[s.Index] : parameters[s.Index]);
                Assert.Equal(interpreted, compiled(species, parameters, 0));
                Assert.Equal(1 / (1 + Math.Pow(x / 20, n)), interpreted, 1e-15);
            }
    }
}
