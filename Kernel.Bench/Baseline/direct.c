/*
 * A tight C implementation of Gillespie's direct method (Gillespie 1977), the baseline the
 * benchmarks hold the managed exact methods against. Built by the benchmark run with the system
 * compiler (cc -O3 -march=native) and fed the same compiled network the managed code runs.
 *
 * What it does per firing, and nothing more: one exponential waiting time (xoshiro256**, -log of an
 * open uniform), a linear search over the propensities, the net change of the fired reaction, the
 * propensities of the reactions that read a changed species (a dependency graph built here), and a
 * running total re-summed every 1,000 firings against rounding drift. Mass-action laws only
 * (c · Π x(x-1)…(x-m+1), the rate constant carrying the symmetry factor, as the managed code).
 *
 * Input (text, from `Kernel.Bench throughput … c`):
 *   S R
 *   x_0 … x_{S-1}                       initial counts
 *   per reaction: c  n  (species multiplicity)×n  k  (species change)×k
 * Usage: direct NETWORK T_END RUNS SEED [FIRST_RUN]
 * Prints one line per run: "run firings seconds cpu-seconds" (wall and process CPU clocks read around the
 * run's loop only; the CPU clock leaves out the time the process waited for a core on a loaded machine).
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "xoshiro.h"

static uint64_t splitmix(uint64_t *state)
{
    uint64_t z = (*state += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

static int S, R;
static double *x0, *c;
static int *react_off, *react_sp, *react_mult, *change_off, *change_sp, *dep_off, *dep;
static double *change_amt;

static inline double propensity(const double *x, int r)
{
    double a = c[r];
    for (int k = react_off[r]; k < react_off[r + 1]; k++)
    {
        double n = x[react_sp[k]];
        for (int m = 0; m < react_mult[k]; m++) a *= n - m > 0 ? n - m : 0;
    }
    return a;
}

static void fail(const char *what) { fprintf(stderr, "direct: %s\n", what); exit(1); }

static void read_network(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f) fail("cannot open the network file");
    if (fscanf(f, "%d %d", &S, &R) != 2) fail("bad header");
    x0 = malloc(sizeof(double) * S); c = malloc(sizeof(double) * R);
    react_off = malloc(sizeof(int) * (R + 1)); change_off = malloc(sizeof(int) * (R + 1));
    int cap_r = 4 * R + 4, cap_c = 4 * R + 4;
    react_sp = malloc(sizeof(int) * cap_r); react_mult = malloc(sizeof(int) * cap_r);
    change_sp = malloc(sizeof(int) * cap_c); change_amt = malloc(sizeof(double) * cap_c);
    for (int i = 0; i < S; i++) if (fscanf(f, "%lf", &x0[i]) != 1) fail("bad counts");
    int nr = 0, nc = 0;
    for (int r = 0; r < R; r++)
    {
        int n, k;
        if (fscanf(f, "%lf %d", &c[r], &n) != 2) fail("bad reaction");
        react_off[r] = nr;
        for (int i = 0; i < n; i++, nr++)
        {
            if (nr == cap_r) { cap_r *= 2; react_sp = realloc(react_sp, sizeof(int) * cap_r); react_mult = realloc(react_mult, sizeof(int) * cap_r); }
            if (fscanf(f, "%d %d", &react_sp[nr], &react_mult[nr]) != 2) fail("bad reactant");
        }
        if (fscanf(f, "%d", &k) != 1) fail("bad change count");
        change_off[r] = nc;
        for (int i = 0; i < k; i++, nc++)
        {
            if (nc == cap_c) { cap_c *= 2; change_sp = realloc(change_sp, sizeof(int) * cap_c); change_amt = realloc(change_amt, sizeof(double) * cap_c); }
            if (fscanf(f, "%d %lf", &change_sp[nc], &change_amt[nc]) != 2) fail("bad change");
        }
    }
    react_off[R] = nr; change_off[R] = nc;
    fclose(f);

    /* Dependency graph: j depends on r when r changes a reactant of j. */
    char *reads = calloc((size_t)S * R, 1);
    for (int j = 0; j < R; j++) for (int k = react_off[j]; k < react_off[j + 1]; k++) reads[(size_t)react_sp[k] * R + j] = 1;
    dep_off = malloc(sizeof(int) * (R + 1));
    int cap_d = 4 * R + 4, nd = 0;
    dep = malloc(sizeof(int) * cap_d);
    char *mark = malloc(R);
    for (int r = 0; r < R; r++)
    {
        dep_off[r] = nd;
        for (int j = 0; j < R; j++) mark[j] = 0;
        for (int k = change_off[r]; k < change_off[r + 1]; k++)
            for (int j = 0; j < R; j++) if (reads[(size_t)change_sp[k] * R + j]) mark[j] = 1;
        for (int j = 0; j < R; j++) if (mark[j])
        {
            if (nd == cap_d) { cap_d *= 2; dep = realloc(dep, sizeof(int) * cap_d); }
            dep[nd++] = j;
        }
    }
    dep_off[R] = nd;
    free(reads); free(mark);
}

int main(int argc, char **argv)
{
    if (argc != 5 && argc != 6) fail("usage: direct NETWORK T_END RUNS SEED [FIRST_RUN]");
    read_network(argv[1]);
    double t_end = atof(argv[2]);
    int runs = atoi(argv[3]);
    uint64_t seed = strtoull(argv[4], NULL, 10);
    int first = argc == 6 ? atoi(argv[5]) : 0;
    double *x = malloc(sizeof(double) * S), *a = malloc(sizeof(double) * R);
    for (int run = first; run < first + runs; run++)
    {
        uint64_t sm = seed ^ (0x632BE59BD9B4E019ULL * (uint64_t)(run + 1));
        for (int i = 0; i < 4; i++) s[i] = splitmix(&sm);
        for (int i = 0; i < S; i++) x[i] = x0[i];
        struct timespec t0, t1, c0, c1;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c0);
        double total = 0;
        for (int r = 0; r < R; r++) total += a[r] = propensity(x, r);
        double t = 0;
        long fired = 0;
        int since = 0;
        for (;;)
        {
            if (total <= 0) break;
            t += -log(open_uniform()) / total;
            if (t > t_end) break;
            double target = uniform() * total, cum = a[0];
            int r = 0;
            while (cum <= target && r < R - 1) cum += a[++r];
            while (a[r] <= 0 && r > 0) r--; /* a rounding residue past the last positive propensity */
            for (int k = change_off[r]; k < change_off[r + 1]; k++) x[change_sp[k]] += change_amt[k];
            for (int k = dep_off[r]; k < dep_off[r + 1]; k++)
            {
                int j = dep[k];
                double v = propensity(x, j);
                total += v - a[j];
                a[j] = v;
            }
            fired++;
            if (++since == 1000)
            {
                since = 0; total = 0;
                for (int j = 0; j < R; j++) total += a[j];
            }
        }
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c1);
        clock_gettime(CLOCK_MONOTONIC, &t1);
        printf("%d %ld %.9f %.9f\n", run, fired, (t1.tv_sec - t0.tv_sec) + 1e-9 * (t1.tv_nsec - t0.tv_nsec),
               (c1.tv_sec - c0.tv_sec) + 1e-9 * (c1.tv_nsec - c0.tv_nsec));
    }
    return 0;
}
