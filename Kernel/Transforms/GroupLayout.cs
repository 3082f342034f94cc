namespace Stochastic.Transforms;

/// <summary>
/// The groups that accepted fast pairs form (trees of pairs): members in ascending species order,
/// the reservoirs the group binds, each member's content of each (molecules held) and which side of
/// each pair it lies on.
/// </summary>
internal sealed class GroupLayout
{
    public sealed record Group(List<int> Members, List<int[]> Content, List<int> Reservoirs, List<int> Pairs);

    private readonly List<(int A, int B, int G)> _pairs;
    private readonly Dictionary<(int Pair, int Member), bool> _bSide = [];

    private GroupLayout(int species, List<(int A, int B, int G)> pairs)
    {
        _pairs = pairs;
        GroupOf = Enumerable.Repeat(-1, species).ToArray();
        // Connected components over the pairs, ordered by their smallest member.
        var adjacency = new Dictionary<int, List<int>>();
        for (int e = 0; e < pairs.Count; e++)
        {
            (adjacency.TryGetValue(pairs[e].A, out var la) ? la : adjacency[pairs[e].A] = []).Add(e);
            (adjacency.TryGetValue(pairs[e].B, out var lb) ? lb : adjacency[pairs[e].B] = []).Add(e);
        }
        foreach (int start in adjacency.Keys.Order())
        {
            if (GroupOf[start] >= 0) continue;
            var members = new List<int>();
            var edges = new SortedSet<int>();
            var stack = new Stack<int>([start]);
            GroupOf[start] = Groups.Count;
            while (stack.Count > 0)
            {
                int s = stack.Pop();
                members.Add(s);
                foreach (int e in adjacency[s])
                {
                    edges.Add(e);
                    int other = pairs[e].A == s ? pairs[e].B : pairs[e].A;
                    if (GroupOf[other] < 0) { GroupOf[other] = Groups.Count; stack.Push(other); }
                }
            }
            members.Sort();
            foreach (int e in edges)
            {
                // B's side of pair e: what B reaches without crossing e.
                var side = new HashSet<int> { pairs[e].B };
                var queue = new Stack<int>([pairs[e].B]);
                while (queue.Count > 0)
                {
                    int s = queue.Pop();
                    foreach (int f in adjacency[s])
                    {
                        if (f == e) continue;
                        int other = pairs[f].A == s ? pairs[f].B : pairs[f].A;
                        if (side.Add(other)) queue.Push(other);
                    }
                }
                foreach (int m in members) _bSide[(e, m)] = side.Contains(m);
            }
            // Per reservoir, the molecules each member holds: the pairs binding it that the member lies
            // beyond, less the fewest any member has.
            var reservoirs = edges.Select(e => pairs[e].G).Where(g => g >= 0).Distinct().Order().ToList();
            var content = members.Select(_ => new int[reservoirs.Count]).ToList();
            for (int q = 0; q < reservoirs.Count; q++)
            {
                var raw = members.Select(m => edges.Count(e => pairs[e].G == reservoirs[q] && _bSide[(e, m)])).ToList();
                int low = raw.Min();
                for (int i = 0; i < members.Count; i++) content[i][q] = raw[i] - low;
            }
            Groups.Add(new Group(members, content, reservoirs, [.. edges]));
        }
    }

    public static GroupLayout Of(int species, List<(int A, int B, int G)> pairs) => new(species, pairs);

    public List<Group> Groups { get; } = [];

    /// <summary>Group index of each species, or -1.</summary>
    public int[] GroupOf { get; }

    /// <summary>True when <paramref name="member"/> lies on B's side of pair <paramref name="pair"/>.</summary>
    public bool OnBSide(int pair, int member) => _bSide[(pair, member)];
}
