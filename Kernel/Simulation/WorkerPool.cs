using Microsoft.Extensions.ObjectPool;

namespace Stochastic.Simulation;

/// <summary>
/// Per-thread simulators and buffers of a parallel loop, pooled (Microsoft.Extensions.ObjectPool):
/// <c>Parallel.For</c> starts a new task, and so a new thread-local state, many times over a long loop,
/// and a simulator is costly to build (propensity tables, search structures, compiled reductions'
/// scratch); pooled, each is built once per concurrent worker and reused. Results do not depend on
/// which worker object a run gets, since every run or cell resets the simulator to its own stream.
/// </summary>
internal sealed class WorkerPool<T> where T : class
{
    private readonly DefaultObjectPool<T> _pool;
    private readonly List<T> _created = [];

    /// <summary>A pool making workers with <paramref name="create"/>, keeping up to <paramref name="workers"/> idle ones.</summary>
    public WorkerPool(Func<T> create, int workers) =>
        _pool = new DefaultObjectPool<T>(new Policy(() => Track(create())), Math.Max(1, workers));

    private T Track(T worker)
    {
        lock (_created) _created.Add(worker);
        return worker;
    }

    /// <summary>A worker: an idle one, or a new one.</summary>
    public T Get() => _pool.Get();

    /// <summary>Gives <paramref name="worker"/> back for reuse.</summary>
    public void Return(T worker) => _pool.Return(worker);

    /// <summary>Every worker made so far (for counters summed once at the end, not per task).</summary>
    public IReadOnlyList<T> Created
    {
        get { lock (_created) return [.. _created]; }
    }

    private sealed class Policy(Func<T> create) : PooledObjectPolicy<T>
    {
        public override T Create() => create();
        public override bool Return(T obj) => true;
    }
}
