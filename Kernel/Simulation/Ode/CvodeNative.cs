using System.Runtime.InteropServices;

namespace Stochastic.Simulation.Ode;

/// <summary>
/// The few SUNDIALS CVODE entry points the ODE integrator calls, bound at run time as function
/// pointers (<see cref="NativeLibrary"/>), so that a machine without SUNDIALS still loads the library
/// and only the ODE features fail, with a message saying what to install.
/// </summary>
/// <remarks>
/// Written against SUNDIALS 6 (Debian 12 and Ubuntu 24.04 ship 6.4.1): double-precision
/// <c>realtype</c>, 64-bit <c>sunindextype</c> (the default build), a <c>SUNContext</c> per solver.
/// SUNDIALS 7 keeps these signatures (its <c>SUNComm</c> is passed as a null pointer / 0 the same way)
/// but replaces the error-handler hook, which is therefore optional here. SUNDIALS 5 and older have no
/// <c>SUNContext</c> and are refused. Debian bundles the serial vector, dense matrix and linear solvers
/// into <c>libsundials_cvode</c>; other builds keep them in libraries of their own, searched too.
/// </remarks>
internal static unsafe class CvodeNative
{
    /// <summary>What to install, for the message when the library is missing.</summary>
    public const string InstallHint = "the ODE integrator needs SUNDIALS CVODE 6 or later: install it with 'apt-get install libsundials-dev' (Debian/Ubuntu), 'brew install sundials' (macOS) or 'conda install -c conda-forge sundials'";

    public const int CV_BDF = 2;
    public const int CV_NORMAL = 1;
    public const int CV_ONE_STEP = 2;
    public const int CV_SUCCESS = 0;
    public const int CV_TSTOP_RETURN = 1;

    public static delegate* unmanaged[Cdecl]<IntPtr, IntPtr*, int> SUNContext_Create;
    public static delegate* unmanaged[Cdecl]<IntPtr*, int> SUNContext_Free;
    public static delegate* unmanaged[Cdecl]<long, IntPtr, IntPtr> N_VNew_Serial;
    public static delegate* unmanaged[Cdecl]<IntPtr, double*> N_VGetArrayPointer;
    public static delegate* unmanaged[Cdecl]<IntPtr, void> N_VDestroy;
    public static delegate* unmanaged[Cdecl]<long, long, IntPtr, IntPtr> SUNDenseMatrix;
    public static delegate* unmanaged[Cdecl]<IntPtr, void> SUNMatDestroy;
    public static delegate* unmanaged[Cdecl]<IntPtr, IntPtr, IntPtr, IntPtr> SUNLinSol_Dense;
    public static delegate* unmanaged[Cdecl]<IntPtr, int, int, IntPtr, IntPtr> SUNLinSol_SPGMR;
    public static delegate* unmanaged[Cdecl]<IntPtr, int> SUNLinSolFree;
    public static delegate* unmanaged[Cdecl]<int, IntPtr, IntPtr> CVodeCreate;
    public static delegate* unmanaged[Cdecl]<IntPtr, IntPtr, double, IntPtr, int> CVodeInit;
    public static delegate* unmanaged[Cdecl]<IntPtr, double, IntPtr, int> CVodeReInit;
    public static delegate* unmanaged[Cdecl]<IntPtr, double, double, int> CVodeSStolerances;
    public static delegate* unmanaged[Cdecl]<IntPtr, IntPtr, IntPtr, int> CVodeSetLinearSolver;
    public static delegate* unmanaged[Cdecl]<IntPtr, IntPtr, int> CVodeSetUserData;
    public static delegate* unmanaged[Cdecl]<IntPtr, long, int> CVodeSetMaxNumSteps;
    public static delegate* unmanaged[Cdecl]<IntPtr, double, int> CVodeSetStopTime;
    public static delegate* unmanaged[Cdecl]<IntPtr, double, IntPtr, double*, int, int> CVode;
    public static delegate* unmanaged[Cdecl]<IntPtr, double, int, IntPtr, int> CVodeGetDky;
    public static delegate* unmanaged[Cdecl]<IntPtr, long*, int> CVodeGetNumSteps;
    public static delegate* unmanaged[Cdecl]<IntPtr*, void> CVodeFree;
    /// <summary>SUNDIALS 6 error hook; null on SUNDIALS 7, which logs through its context instead.</summary>
    public static delegate* unmanaged[Cdecl]<IntPtr, IntPtr, IntPtr, int> CVodeSetErrHandlerFn;
    /// <summary>SUNDIALS 7 error hooks; null on SUNDIALS 6.</summary>
    public static delegate* unmanaged[Cdecl]<IntPtr, int> SUNContext_ClearErrHandlers;
    public static delegate* unmanaged[Cdecl]<IntPtr, IntPtr, IntPtr, int> SUNContext_PushErrHandler;

    private static readonly Lazy<string?> Failure = new(Load, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>True when SUNDIALS CVODE could be loaded (the ODE features are available).</summary>
    public static bool IsAvailable => Failure.Value is null;

    /// <summary>The SUNDIALS library that was loaded, for messages and reports (null until loaded).</summary>
    public static string? LoadedLibrary { get; private set; }

    /// <summary>Loads the library once.</summary>
    /// <exception cref="SimulationException">SUNDIALS CVODE is not installed, or too old; the message says what to install.</exception>
    public static void EnsureLoaded()
    {
        if (Failure.Value is { } why) throw new SimulationException($"{why}; {InstallHint}");
    }

    // Versioned names first: the unversioned .so link exists only with the -dev package.
    private static readonly string[] CvodeNames =
    [
        "libsundials_cvode.so.7", "libsundials_cvode.so.6", "libsundials_cvode.so",
        "libsundials_cvode.7.dylib", "libsundials_cvode.6.dylib", "libsundials_cvode.dylib", "sundials_cvode.dll",
    ];

    private static readonly string[] HelperStems = ["sundials_core", "sundials_nvecserial", "sundials_sunmatrixdense", "sundials_sunlinsoldense", "sundials_sunlinsolspgmr", "sundials_generic"];

    private static string? Load()
    {
        IntPtr cvode = IntPtr.Zero;
        foreach (var name in CvodeNames)
        {
            if (NativeLibrary.TryLoad(name, out cvode)) { LoadedLibrary = name; break; }
        }
        if (cvode == IntPtr.Zero) return "SUNDIALS CVODE (libsundials_cvode) was not found";
        var libraries = new List<IntPtr> { cvode };
        foreach (var stem in HelperStems)
        {
            foreach (var name in new[] { $"lib{stem}.so.7", $"lib{stem}.so.6", $"lib{stem}.so", $"lib{stem}.dylib", $"{stem}.dll" })
            {
                if (NativeLibrary.TryLoad(name, out var handle)) { libraries.Add(handle); break; }
            }
        }
        var missing = new List<string>();
        IntPtr Find(string symbol, bool required = true)
        {
            foreach (var library in libraries)
                if (NativeLibrary.TryGetExport(library, symbol, out var address)) return address;
            if (required) missing.Add(symbol);
            return IntPtr.Zero;
        }
        SUNContext_Create = (delegate* unmanaged[Cdecl]<IntPtr, IntPtr*, int>)Find("SUNContext_Create");
        SUNContext_Free = (delegate* unmanaged[Cdecl]<IntPtr*, int>)Find("SUNContext_Free");
        N_VNew_Serial = (delegate* unmanaged[Cdecl]<long, IntPtr, IntPtr>)Find("N_VNew_Serial");
        N_VGetArrayPointer = (delegate* unmanaged[Cdecl]<IntPtr, double*>)Find("N_VGetArrayPointer");
        N_VDestroy = (delegate* unmanaged[Cdecl]<IntPtr, void>)Find("N_VDestroy");
        SUNDenseMatrix = (delegate* unmanaged[Cdecl]<long, long, IntPtr, IntPtr>)Find("SUNDenseMatrix");
        SUNMatDestroy = (delegate* unmanaged[Cdecl]<IntPtr, void>)Find("SUNMatDestroy");
        SUNLinSol_Dense = (delegate* unmanaged[Cdecl]<IntPtr, IntPtr, IntPtr, IntPtr>)Find("SUNLinSol_Dense");
        SUNLinSol_SPGMR = (delegate* unmanaged[Cdecl]<IntPtr, int, int, IntPtr, IntPtr>)Find("SUNLinSol_SPGMR");
        SUNLinSolFree = (delegate* unmanaged[Cdecl]<IntPtr, int>)Find("SUNLinSolFree");
        CVodeCreate = (delegate* unmanaged[Cdecl]<int, IntPtr, IntPtr>)Find("CVodeCreate");
        CVodeInit = (delegate* unmanaged[Cdecl]<IntPtr, IntPtr, double, IntPtr, int>)Find("CVodeInit");
        CVodeReInit = (delegate* unmanaged[Cdecl]<IntPtr, double, IntPtr, int>)Find("CVodeReInit");
        CVodeSStolerances = (delegate* unmanaged[Cdecl]<IntPtr, double, double, int>)Find("CVodeSStolerances");
        CVodeSetLinearSolver = (delegate* unmanaged[Cdecl]<IntPtr, IntPtr, IntPtr, int>)Find("CVodeSetLinearSolver");
        CVodeSetUserData = (delegate* unmanaged[Cdecl]<IntPtr, IntPtr, int>)Find("CVodeSetUserData");
        CVodeSetMaxNumSteps = (delegate* unmanaged[Cdecl]<IntPtr, long, int>)Find("CVodeSetMaxNumSteps");
        CVodeSetStopTime = (delegate* unmanaged[Cdecl]<IntPtr, double, int>)Find("CVodeSetStopTime");
        CVode = (delegate* unmanaged[Cdecl]<IntPtr, double, IntPtr, double*, int, int>)Find("CVode");
        CVodeGetDky = (delegate* unmanaged[Cdecl]<IntPtr, double, int, IntPtr, int>)Find("CVodeGetDky");
        CVodeGetNumSteps = (delegate* unmanaged[Cdecl]<IntPtr, long*, int>)Find("CVodeGetNumSteps");
        CVodeFree = (delegate* unmanaged[Cdecl]<IntPtr*, void>)Find("CVodeFree");
        CVodeSetErrHandlerFn = (delegate* unmanaged[Cdecl]<IntPtr, IntPtr, IntPtr, int>)Find("CVodeSetErrHandlerFn", required: false);
        SUNContext_ClearErrHandlers = (delegate* unmanaged[Cdecl]<IntPtr, int>)Find("SUNContext_ClearErrHandlers", required: false);
        SUNContext_PushErrHandler = (delegate* unmanaged[Cdecl]<IntPtr, IntPtr, IntPtr, int>)Find("SUNContext_PushErrHandler", required: false);
        if (missing.Count > 0)
            return $"{LoadedLibrary} lacks {string.Join(", ", missing)} (SUNDIALS 5 or older, or a partial install)";
        return null;
    }

    /// <summary>The name of a CVODE return flag, for messages.</summary>
    public static string FlagName(int flag) => flag switch
    {
        -1 => "CV_TOO_MUCH_WORK (too many steps before reaching the output time)",
        -2 => "CV_TOO_MUCH_ACC (the tolerances cannot be met)",
        -3 => "CV_ERR_FAILURE (repeated error-test failures)",
        -4 => "CV_CONV_FAILURE (repeated Newton convergence failures)",
        -5 => "CV_LINIT_FAIL",
        -6 => "CV_LSETUP_FAIL",
        -7 => "CV_LSOLVE_FAIL",
        -8 => "CV_RHSFUNC_FAIL (the right-hand side failed)",
        -9 => "CV_FIRST_RHSFUNC_ERR",
        -10 => "CV_REPTD_RHSFUNC_ERR",
        -11 => "CV_UNREC_RHSFUNC_ERR",
        -20 => "CV_MEM_FAIL",
        -21 => "CV_MEM_NULL",
        -22 => "CV_ILL_INPUT",
        -27 => "CV_TOO_CLOSE (output time too close to the start)",
        _ => $"CVODE flag {flag}",
    };
}
