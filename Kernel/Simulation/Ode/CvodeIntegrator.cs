using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using static Stochastic.Simulation.Ode.CvodeNative;

namespace Stochastic.Simulation.Ode;

/// <summary>A system of ordinary differential equations dy/dt = f(t, y) for <see cref="CvodeIntegrator"/>.</summary>
internal interface IOdeSystem
{
    /// <summary>Number of equations.</summary>
    int Size { get; }

    /// <summary>Writes f(<paramref name="t"/>, <paramref name="y"/>) into <paramref name="dydt"/>.</summary>
    void Derivatives(double t, ReadOnlySpan<double> y, Span<double> dydt);
}

/// <summary>Tolerances of the ODE integrator: CVODE's local error test is |e_i| ≤ rtol·|y_i| + atol per component.</summary>
/// <param name="Relative">Relative tolerance rtol.</param>
/// <param name="Absolute">Absolute tolerance atol (in the units of the variables: molecules for species).</param>
/// <param name="MaxSteps">Internal steps allowed between two outputs before the integration is declared stuck.</param>
public sealed record OdeTolerances(double Relative = 1e-8, double Absolute = 1e-10, long MaxSteps = 500_000)
{
    /// <summary>rtol = 1e-8, atol = 1e-10: tight enough that the solution is exact for plotting and comparison with SSA means.</summary>
    public static OdeTolerances Default { get; } = new();
}

/// <summary>
/// SUNDIALS CVODE (Hindmarsh et al. 2005, ACM TOMS 31:363; Gardner et al. 2022, ACM TOMS 48:31) with
/// variable-order BDF and Newton iteration: the stiff integrator BioNetGen, COPASI and AMICI use for
/// reaction-rate equations. A dense direct linear solver (finite-difference Jacobian) for up to
/// <see cref="DenseLimit"/> equations, matrix-free GMRES above, where a dense N×N factorization would cost
/// more than the steps. One instance per thread; it owns native memory and must be disposed.
/// </summary>
internal sealed unsafe class CvodeIntegrator : IDisposable
{
    /// <summary>Above this many equations the Newton systems are solved by GMRES instead of dense LU.</summary>
    public const int DenseLimit = 400;

    private readonly IOdeSystem _system;
    private readonly int _n;
    private GCHandle _self;
    private IntPtr _context, _memory, _y, _dky, _matrix, _solver;
    private Exception? _callbackFailure;
    private string? _nativeMessage;
    private bool _initialized;

    /// <summary>Creates an integrator for <paramref name="system"/>.</summary>
    /// <exception cref="SimulationException">SUNDIALS CVODE is not installed (the message says what to install), or it refused the settings.</exception>
    public CvodeIntegrator(IOdeSystem system, OdeTolerances tolerances)
    {
        EnsureLoaded();
        _system = system;
        _n = system.Size;
        Tolerances = tolerances;
        if (!(tolerances.Relative > 0) || !(tolerances.Absolute > 0))
            throw new SimulationException($"ODE tolerances must be positive (rtol = {tolerances.Relative}, atol = {tolerances.Absolute})");
        // Weak: the handle must not keep the integrator alive, so an undisposed one is still finalized.
        _self = GCHandle.Alloc(this, GCHandleType.Weak);
        try
        {
            IntPtr ctx;
            Check(SUNContext_Create(IntPtr.Zero, &ctx), "SUNContext_Create");
            _context = ctx;
            if (SUNContext_ClearErrHandlers != null && SUNContext_PushErrHandler != null)
            {
                SUNContext_ClearErrHandlers(_context);
                SUNContext_PushErrHandler(_context, (IntPtr)(delegate* unmanaged[Cdecl]<int, IntPtr, IntPtr, IntPtr, int, IntPtr, IntPtr, void>)&OnError7, GCHandle.ToIntPtr(_self));
            }
            // CVODE rejects empty vectors; a system with nothing to integrate still advances time with one dummy equation.
            long length = Math.Max(1, _n);
            _y = NotNull(N_VNew_Serial(length, _context), "N_VNew_Serial");
            _dky = NotNull(N_VNew_Serial(length, _context), "N_VNew_Serial");
            _memory = NotNull(CVodeCreate(CV_BDF, _context), "CVodeCreate");
            if (CVodeSetErrHandlerFn != null)
                CVodeSetErrHandlerFn(_memory, (IntPtr)(delegate* unmanaged[Cdecl]<int, IntPtr, IntPtr, IntPtr, IntPtr, void>)&OnError6, GCHandle.ToIntPtr(_self));
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>The tolerances.</summary>
    public OdeTolerances Tolerances { get; }

    /// <summary>Current time of the solution (after the last <see cref="Advance"/>).</summary>
    public double Time { get; private set; }

    /// <summary>Internal steps taken since the integrator was created.</summary>
    public long Steps { get; private set; }

    /// <summary>Starts (or restarts, after a discontinuity such as an event) the integration at (<paramref name="t0"/>, <paramref name="y0"/>).</summary>
    public void Reset(double t0, ReadOnlySpan<double> y0)
    {
        if (_n == 0) N_VGetArrayPointer(_y)[0] = 0;
        else y0[.._n].CopyTo(State);
        if (!_initialized)
        {
            Check(CVodeInit(_memory, (IntPtr)(delegate* unmanaged[Cdecl]<double, IntPtr, IntPtr, IntPtr, int>)&Rhs, t0, _y), "CVodeInit");
            Check(CVodeSStolerances(_memory, Tolerances.Relative, Tolerances.Absolute), "CVodeSStolerances");
            Check(CVodeSetUserData(_memory, GCHandle.ToIntPtr(_self)), "CVodeSetUserData");
            Check(CVodeSetMaxNumSteps(_memory, Tolerances.MaxSteps), "CVodeSetMaxNumSteps");
            long length = Math.Max(1, _n);
            if (length <= DenseLimit)
            {
                _matrix = NotNull(SUNDenseMatrix(length, length, _context), "SUNDenseMatrix");
                _solver = NotNull(SUNLinSol_Dense(_y, _matrix, _context), "SUNLinSol_Dense");
            }
            else _solver = NotNull(SUNLinSol_SPGMR(_y, 0, 0, _context), "SUNLinSol_SPGMR");
            Check(CVodeSetLinearSolver(_memory, _solver, _matrix), "CVodeSetLinearSolver");
            _initialized = true;
        }
        else Check(CVodeReInit(_memory, t0, _y), "CVodeReInit");
        Time = t0;
    }

    /// <summary>The solution at <see cref="Time"/> (CVODE's own vector: read it before the next call).</summary>
    public Span<double> State => new(N_VGetArrayPointer(_y), _n);

    /// <summary>
    /// Integrates to <paramref name="tout"/> without stepping past <paramref name="tstop"/> (the next
    /// discontinuity; at least <paramref name="tout"/>). With <paramref name="oneStep"/>, returns after one
    /// internal step instead (or at <paramref name="tout"/> if it comes first).
    /// </summary>
    /// <returns>The time reached; the solution there is <see cref="State"/>.</returns>
    /// <exception cref="SimulationException">CVODE failed (the message names its flag), or the right-hand side threw.</exception>
    public double Advance(double tout, double tstop, bool oneStep = false)
    {
        if (!_initialized) throw new InvalidOperationException("call Reset first");
        if (tout <= Time && !oneStep) return Time;
        Check(CVodeSetStopTime(_memory, Math.Max(tstop, tout)), "CVodeSetStopTime");
        double reached;
        int flag = CVode(_memory, tout, _y, &reached, oneStep ? CV_ONE_STEP : CV_NORMAL);
        long steps;
        if (CVodeGetNumSteps(_memory, &steps) == CV_SUCCESS) Steps = steps;
        if (_callbackFailure is { } failure)
        {
            _callbackFailure = null;
            if (failure is StochasticException) throw failure;
            throw new SimulationException($"the ODE right-hand side failed at t = {reached}: {failure.Message}");
        }
        if (flag < 0)
            throw new SimulationException($"the ODE integrator (CVODE) stopped at t = {reached}: {FlagName(flag)}{(_nativeMessage is null ? "" : $": {_nativeMessage}")}");
        Time = reached;
        // The stop time is reached up to round-off; snap so callers can compare times exactly.
        if (Math.Abs(reached - tout) <= 1e-12 * Math.Max(1, Math.Abs(tout))) Time = tout;
        return Time;
    }

    /// <summary>
    /// The interpolated solution at <paramref name="t"/> within the last internal step (CVODE's
    /// dense output, of the order the step used) written into <paramref name="y"/>.
    /// </summary>
    public void Interpolate(double t, Span<double> y)
    {
        int flag = CVodeGetDky(_memory, t, 0, _dky);
        if (flag < 0) throw new SimulationException($"the ODE integrator (CVODE) cannot interpolate at t = {t}: {FlagName(flag)}");
        new ReadOnlySpan<double>(N_VGetArrayPointer(_dky), _n).CopyTo(y);
    }

    /// <summary>The interpolated derivative dy/dt at <paramref name="t"/> within the last internal step, written into <paramref name="dydt"/>.</summary>
    public void InterpolateDerivative(double t, Span<double> dydt)
    {
        int flag = CVodeGetDky(_memory, t, 1, _dky);
        if (flag < 0) throw new SimulationException($"the ODE integrator (CVODE) cannot interpolate at t = {t}: {FlagName(flag)}");
        new ReadOnlySpan<double>(N_VGetArrayPointer(_dky), _n).CopyTo(dydt);
    }

    private void Check(int flag, string call)
    {
        if (flag < 0) throw new SimulationException($"SUNDIALS call {call} failed: {FlagName(flag)}{(_nativeMessage is null ? "" : $": {_nativeMessage}")}");
    }

    private static IntPtr NotNull(IntPtr pointer, string call) =>
        pointer != IntPtr.Zero ? pointer : throw new SimulationException($"SUNDIALS call {call} failed (out of memory?)");

    // Exceptions must not cross the native frames: a failure is kept and rethrown once CVODE returns.
    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int Rhs(double t, IntPtr y, IntPtr ydot, IntPtr userData)
    {
        var self = (CvodeIntegrator)GCHandle.FromIntPtr(userData).Target!;
        try
        {
            if (self._n == 0) { N_VGetArrayPointer(ydot)[0] = 0; return 0; }
            var state = new ReadOnlySpan<double>(N_VGetArrayPointer(y), self._n);
            var derivatives = new Span<double>(N_VGetArrayPointer(ydot), self._n);
            self._system.Derivatives(t, state, derivatives);
            foreach (double d in derivatives)
                if (!double.IsFinite(d)) return 1; // recoverable: CVODE retries with a smaller step
            return 0;
        }
        catch (Exception ex)
        {
            self._callbackFailure = ex;
            return -1;
        }
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static void OnError6(int code, IntPtr module, IntPtr function, IntPtr message, IntPtr userData)
    {
        if (GCHandle.FromIntPtr(userData).Target is CvodeIntegrator self) self._nativeMessage = Marshal.PtrToStringUTF8(message);
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static void OnError7(int line, IntPtr function, IntPtr file, IntPtr message, int code, IntPtr userData, IntPtr context)
    {
        if (GCHandle.FromIntPtr(userData).Target is CvodeIntegrator self) self._nativeMessage = Marshal.PtrToStringUTF8(message);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (_memory != IntPtr.Zero) { var m = _memory; CVodeFree(&m); _memory = IntPtr.Zero; }
        if (_solver != IntPtr.Zero) { SUNLinSolFree(_solver); _solver = IntPtr.Zero; }
        if (_matrix != IntPtr.Zero) { SUNMatDestroy(_matrix); _matrix = IntPtr.Zero; }
        if (_y != IntPtr.Zero) { N_VDestroy(_y); _y = IntPtr.Zero; }
        if (_dky != IntPtr.Zero) { N_VDestroy(_dky); _dky = IntPtr.Zero; }
        if (_context != IntPtr.Zero) { var c = _context; SUNContext_Free(&c); _context = IntPtr.Zero; }
        if (_self.IsAllocated) _self.Free();
        GC.SuppressFinalize(this);
    }

    ~CvodeIntegrator() => Dispose();
}
