/*
 * A tight C implementation of the sorting partial-propensity direct method, SPDM (Ramaswamy,
 * González-Segredo & Sbalzarini 2009, J. Chem. Phys. 130:244104): the baseline the benchmarks hold the
 * managed `spdm` against on large hub networks, as direct.c is for the direct method. Built by the
 * benchmark run with the system compiler (cc -O3 -march=native, no contraction into fused multiply-adds)
 * and fed the same compiled network.
 *
 * It is the managed SortingPartialPropensityDirectMethod step for step: the same rows (a reaction in the
 * row of its reactant with more reactions, the lower index on a tie; zero-order reactions in a row of their
 * own whose count is 1), the same adaptive orders, the same running sums and re-sums every max(1024,
 * reactions) firings, the same random stream (xoshiro256** seeded from (seed, run) as the managed
 * simulators are, the ziggurat for waiting times, 53-bit uniforms), so a run fires the same reactions as the
 * managed one and the two differ only in the code that does it. Mass action of order <= 2 only.
 *
 * Input: as direct.c. Usage: spdm NETWORK T_END RUNS SEED [FIRST_RUN]
 * Prints one line per run: "run firings seconds cpu-seconds" (the loop only, as direct.c).
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "xoshiro.h"

static uint64_t mix(uint64_t x) /* SplitMix64's finalizer of x + the golden-ratio increment */
{
    uint64_t z = x + 0x9E3779B97F4A7C15ULL;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

/* The managed Xoshiro256StarStar(seed, streamIndex). */
static void seed_stream(uint64_t seed, uint64_t stream)
{
    uint64_t x = mix(mix(seed) ^ mix(stream ^ 0xD1B54A32D192ED03ULL));
    for (int i = 0; i < 4; i++) s[i] = mix(x + (uint64_t)i);
    if ((s[0] | s[1] | s[2] | s[3]) == 0) s[0] = 1;
}

/* Exp(1) by the 256-layer ziggurat (Marsaglia & Tsang 2000), the managed ExponentialZiggurat's tables and steps. */
#define ZR 7.69711747013104972
#define ZV 3.949659822581572e-3
static uint64_t zk[256];
static double zw[256], zf[256];

static void ziggurat_tables(void)
{
    const double scale = 1.0 / (double)(1ULL << 53);
    double x = ZR, q = ZV / exp(-ZR);
    zk[0] = (uint64_t)(ZR / q * (double)(1ULL << 53));
    zk[1] = 0;
    zw[0] = q * scale;
    zw[255] = ZR * scale;
    zf[0] = 1;
    zf[255] = exp(-ZR);
    for (int i = 254; i >= 1; i--)
    {
        double next = -log(ZV / x + exp(-x));
        zk[i + 1] = (uint64_t)(next / x * (double)(1ULL << 53));
        x = next;
        zf[i] = exp(-x);
        zw[i] = x * scale;
    }
}

static double exponential_slow(int i, uint64_t u)
{
    for (;;)
    {
        if (i == 0) return ZR - log(open_uniform());
        double x = (double)u * zw[i];
        if (zf[i] + uniform() * (zf[i - 1] - zf[i]) < exp(-x)) return x;
        uint64_t bits = next_u64();
        i = (int)(bits & 0xFF);
        u = bits >> 11;
        if (u < zk[i]) return (double)u * zw[i];
    }
}

static inline double exponential(void)
{
    uint64_t bits = next_u64();
    int i = (int)(bits & 0xFF);
    uint64_t u = bits >> 11;
    if (u < zk[i]) return (double)u * zw[i];
    return exponential_slow(i, u);
}

static void fail(const char *what) { fprintf(stderr, "spdm: %s\n", what); exit(1); }

/* The network (direct.c's input) and the method's tables. */
static int S, R, rows;
static double *x0, *x, *pi, *sigma, *lambda, *rate, *shift, *change_amt;
static int *entry_reaction, *row_start, *entry_order, *row_order, *column, *change_off, *change_sp;
static int *reader_start, *reader_entry, *reader_row;
static double *reader_rate, *reader_shift;

static void read_network(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f) fail("cannot open the network file");
    if (fscanf(f, "%d %d", &S, &R) != 2) fail("bad header");
    rows = S + 1;
    x0 = malloc(sizeof(double) * S);
    for (int i = 0; i < S; i++) if (fscanf(f, "%lf", &x0[i]) != 1) fail("bad counts");
    double *c = malloc(sizeof(double) * R);
    int *r1 = malloc(sizeof(int) * R), *r2 = malloc(sizeof(int) * R), *homodimer = malloc(sizeof(int) * R);
    change_off = malloc(sizeof(int) * (R + 1));
    int cap = 4 * R + 4, nc = 0;
    change_sp = malloc(sizeof(int) * cap); change_amt = malloc(sizeof(double) * cap);
    for (int r = 0; r < R; r++)
    {
        int n, k;
        if (fscanf(f, "%lf %d", &c[r], &n) != 2) fail("bad reaction");
        r1[r] = r2[r] = -1; homodimer[r] = 0;
        int order = 0;
        for (int i = 0; i < n; i++)
        {
            int sp, mult;
            if (fscanf(f, "%d %d", &sp, &mult) != 2) fail("bad reactant");
            if (i == 0) r1[r] = sp; else if (i == 1) r2[r] = sp;
            if (mult == 2) homodimer[r] = 1;
            order += mult;
        }
        if (order > 2) fail("a reaction of order above 2 (SPDM takes mass action of order <= 2)");
        if (fscanf(f, "%d", &k) != 1) fail("bad change count");
        change_off[r] = nc;
        for (int i = 0; i < k; i++, nc++)
        {
            if (nc == cap) { cap *= 2; change_sp = realloc(change_sp, sizeof(int) * cap); change_amt = realloc(change_amt, sizeof(double) * cap); }
            if (fscanf(f, "%d %lf", &change_sp[nc], &change_amt[nc]) != 2) fail("bad change");
        }
    }
    change_off[R] = nc;
    fclose(f);

    /* Rows: the reactant with more reactions (its degree) takes a bimolecular reaction. */
    int *degree = calloc(S, sizeof(int)), *row = malloc(sizeof(int) * R), *col = malloc(sizeof(int) * R);
    double *sh = malloc(sizeof(double) * R);
    for (int r = 0; r < R; r++) { if (r1[r] >= 0) degree[r1[r]]++; if (r2[r] >= 0) degree[r2[r]]++; }
    for (int r = 0; r < R; r++)
    {
        int a = r1[r], b = r2[r];
        if (a < 0) { row[r] = S; col[r] = -1; sh[r] = 0; }
        else if (homodimer[r]) { row[r] = a; col[r] = a; sh[r] = 1; }
        else if (b < 0) { row[r] = a; col[r] = -1; sh[r] = 0; }
        else if (degree[a] > degree[b] || (degree[a] == degree[b] && a < b)) { row[r] = a; col[r] = b; sh[r] = 0; }
        else { row[r] = b; col[r] = a; sh[r] = 0; }
    }
    row_start = calloc(rows + 1, sizeof(int));
    for (int r = 0; r < R; r++) row_start[row[r] + 1]++;
    for (int i = 0; i < rows; i++) row_start[i + 1] += row_start[i];
    int *fill = malloc(sizeof(int) * (rows + 1)), *row_of_entry = malloc(sizeof(int) * R);
    for (int i = 0; i <= rows; i++) fill[i] = row_start[i];
    entry_reaction = malloc(sizeof(int) * R); rate = malloc(sizeof(double) * R); shift = malloc(sizeof(double) * R);
    column = malloc(sizeof(int) * R);
    for (int r = 0; r < R; r++)
    {
        int e = fill[row[r]]++;
        entry_reaction[e] = r; rate[e] = c[r]; shift[e] = sh[r]; column[e] = col[r]; row_of_entry[e] = row[r];
    }
    /* The readers: per species, the partial propensities that read its count, in entry order. */
    reader_start = calloc(S + 1, sizeof(int));
    for (int e = 0; e < R; e++) if (column[e] >= 0) reader_start[column[e] + 1]++;
    for (int i = 0; i < S; i++) reader_start[i + 1] += reader_start[i];
    int nreaders = reader_start[S];
    reader_entry = malloc(sizeof(int) * (nreaders + 1)); reader_row = malloc(sizeof(int) * (nreaders + 1));
    reader_rate = malloc(sizeof(double) * (nreaders + 1)); reader_shift = malloc(sizeof(double) * (nreaders + 1));
    for (int i = 0; i <= S; i++) fill[i] = reader_start[i];
    for (int e = 0; e < R; e++)
        if (column[e] >= 0)
        {
            int q = fill[column[e]]++;
            reader_entry[q] = e; reader_row[q] = row_of_entry[e]; reader_rate[q] = rate[e]; reader_shift[q] = shift[e];
        }
    x = malloc(sizeof(double) * rows); pi = malloc(sizeof(double) * R);
    sigma = malloc(sizeof(double) * rows); lambda = malloc(sizeof(double) * rows);
    entry_order = malloc(sizeof(int) * R); row_order = malloc(sizeof(int) * rows);
    free(c); free(r1); free(r2); free(homodimer); free(degree); free(row); free(col); free(sh); free(fill); free(row_of_entry);
}

static double resum(void)
{
    double total = 0;
    for (int i = 0; i < rows; i++)
    {
        double sg = 0;
        for (int e = row_start[i]; e < row_start[i + 1]; e++) sg += pi[e];
        sigma[i] = sg;
        lambda[i] = x[i] * sg;
        total += lambda[i];
    }
    return total;
}

/* Rounding put the target at the very end of a row's running sum: its last positive entry, or -1. */
static int last_positive(int start, int end)
{
    for (int p = end - 1; p >= start; p--) if (pi[entry_order[p]] > 0) return entry_order[p];
    return -1;
}

int main(int argc, char **argv)
{
    if (argc != 5 && argc != 6) fail("usage: spdm NETWORK T_END RUNS SEED [FIRST_RUN]");
    read_network(argv[1]);
    ziggurat_tables();
    double t_end = atof(argv[2]);
    int runs = atoi(argv[3]);
    uint64_t seed = strtoull(argv[4], NULL, 10);
    int first = argc == 6 ? atoi(argv[5]) : 0;
    int resum_interval = R > 1024 ? R : 1024;
    for (int run = first; run < first + runs; run++)
    {
        seed_stream(seed, (uint64_t)run);
        for (int i = 0; i < rows; i++) row_order[i] = i;
        for (int e = 0; e < R; e++) entry_order[e] = e;
        for (int i = 0; i < S; i++) x[i] = x0[i];
        x[S] = 1;
        struct timespec t0, t1, c0, c1;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c0);
        for (int e = 0; e < R; e++) pi[e] = column[e] < 0 ? rate[e] : rate[e] * (x[column[e]] - shift[e]);
        double total = resum(), t = 0;
        long fired = 0;
        int since = 0;
        for (;;)
        {
            double next = total > 0 ? t + exponential() / total : INFINITY;
            if (next > t_end || isinf(next)) break;
            t = next;

            /* Row: linear search over the rows' propensities in the adaptive order. */
            double target = uniform() * total;
            int p = 0, i = row_order[0];
            double before = 0, cum = lambda[i];
            while (cum <= target)
            {
                if (++p == rows) { p = -1; break; }
                i = row_order[p];
                before = cum;
                cum += lambda[i];
            }
            int e = -1;
            if (p >= 0)
            {
                /* Entry: linear search within row i, n_i times the running sum of its partial propensities. */
                double within = target - before, n = x[i];
                int start = row_start[i], end = row_start[i + 1], q = start;
                e = entry_order[q];
                double run_sum = pi[e];
                while (run_sum * n <= within)
                {
                    if (++q == end) { e = last_positive(start, end); q = -1; break; }
                    e = entry_order[q];
                    run_sum += pi[e];
                }
                if (q > start) { entry_order[q] = entry_order[q - 1]; entry_order[q - 1] = e; }
            }
            if (e < 0) { total = resum(); since = 0; continue; }
            if (p > 0) { row_order[p] = row_order[p - 1]; row_order[p - 1] = i; }

            /* Fire; then the partial propensities that read a changed count, and the changed rows. */
            int r = entry_reaction[e];
            double delta = 0;
            for (int k = change_off[r]; k < change_off[r + 1]; k++) x[change_sp[k]] += change_amt[k];
            for (int k = change_off[r]; k < change_off[r + 1]; k++)
            {
                int sp = change_sp[k];
                double n = x[sp];
                for (int u = reader_start[sp]; u < reader_start[sp + 1]; u++)
                {
                    int row = reader_row[u], entry = reader_entry[u];
                    double value = reader_rate[u] * (n - reader_shift[u]);
                    double row_sum = sigma[row] + (value - pi[entry]);
                    sigma[row] = row_sum;
                    pi[entry] = value;
                    double row_value = x[row] * row_sum;
                    delta += row_value - lambda[row];
                    lambda[row] = row_value;
                }
                double own = n * sigma[sp];
                delta += own - lambda[sp];
                lambda[sp] = own;
            }
            total += delta;
            fired++;
            if (++since >= resum_interval || total <= 0) { total = resum(); since = 0; }
        }
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c1);
        clock_gettime(CLOCK_MONOTONIC, &t1);
        printf("%d %ld %.9f %.9f\n", run, fired, (t1.tv_sec - t0.tv_sec) + 1e-9 * (t1.tv_nsec - t0.tv_nsec),
               (c1.tv_sec - c0.tv_sec) + 1e-9 * (c1.tv_nsec - c0.tv_nsec));
    }
    return 0;
}
