using System.Globalization;
using System.Text;

namespace Stochastic.Tests.Helpers;

/// <summary>
/// Writes a synthetic BioNetGen .net file of a chosen size that looks like a generated receptor
/// network: long species strings, reversible bindings, phosphorylations and homodimerizations with
/// explicit statistical factors (<c>0.5*kd</c>), and groups. Deterministic for a given size.
/// Shared by the tests and the benchmarks (linked into Kernel.Bench).
/// </summary>
public static class SyntheticNetFile
{
    /// <summary>The .net text of a network with <paramref name="reactions"/> reactions (a multiple of 4) over reactions/10 species.</summary>
    public static string Create(int reactions)
    {
        int species = Math.Max(4, reactions / 10);
        var sb = new StringBuilder(reactions * 40 + species * 80);
        var inv = CultureInfo.InvariantCulture;
        sb.Append("# synthetic network\nbegin parameters\n");
        sb.Append("    1 kf   1e-3  # Constant\n    2 kr   0.1\n    3 kp   0.5\n    4 kd   2e-4\n    5 n0   100\n    6 kr2  2*kr\n");
        sb.Append("end parameters\nbegin species\n");
        for (int s = 1; s <= species; s++)
        {
            sb.Append(inv, $"{s,5} R(l!1,y~{(s % 2 == 0 ? "P" : "U")},d{s % 7}).L(r!1,s~{s}).A(b,t~{s % 3}) {(s % 10 == 1 ? "n0" : "0")}\n");
        }
        sb.Append("end species\nbegin reactions\n");
        ulong state = 0x9E3779B97F4A7C15;
        int Pick()
        {
            state = state * 6364136223846793005UL + 1442695040888963407UL;
            return (int)((state >> 33) % (ulong)species) + 1;
        }
        for (int r = 1; r <= reactions; r += 4)
        {
            int a = Pick(), b = Pick(), c = Pick(), d = Pick();
            if (b == a) b = a % species + 1;
            sb.Append(inv, $"{r,6} {a},{b} {c} kf #_R1\n");
            sb.Append(inv, $"{r + 1,6} {c} {a},{b} kr2 #_reverse__R1\n");
            sb.Append(inv, $"{r + 2,6} {d} {a} kp #_R2\n");
            sb.Append(inv, $"{r + 3,6} {d},{d} {b} 0.5*kd #_R3\n");
        }
        sb.Append("end reactions\nbegin groups\n");
        sb.Append("    1 Phospho   ");
        for (int s = 2; s <= species; s += 2) { if (s > 2) sb.Append(','); sb.Append(inv, $"{(s % 4 == 0 ? "2*" : "")}{s}"); }
        sb.Append("\n    2 First     1\nend groups\n");
        return sb.ToString();
    }
}
