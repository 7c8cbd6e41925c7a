// bench/gbench_shim.cpp — the C face of Google Benchmark (see gbench.h).
#include <benchmark/benchmark.h>

#include <cstdlib>

#include "gbench.h"

struct volt_bench_state {
    benchmark::State *st;
    bool started;
};

extern "C" void volt_bench_register(const char *name, volt_bench_fn fn, const int64_t *args,
                                    int n_args, int manual_time)
{
    auto *b = benchmark::RegisterBenchmark(name, [fn](benchmark::State &s) {
        volt_bench_state vs{&s, false};
        fn(&vs);
    });
    for (int i = 0; i < n_args; i++)
        b->Arg(args[i]);
    if (manual_time)
        b->UseManualTime();
    // VOLT_BENCH_ITERATIONS=N: exactly N iterations per bench, whatever they take (bench/icount
    // counts instructions over fixed work: the count must not depend on the machine's speed)
    if (const char *it = std::getenv("VOLT_BENCH_ITERATIONS")) {
        char *end = nullptr;
        const long long n = std::strtoll(it, &end, 10);
        if (end != it && *end == '\0' && n > 0)
            b->Iterations(static_cast<benchmark::IterationCount>(n));
    }
}

extern "C" int volt_bench_next(volt_bench_state_t *vs, uint64_t n)
{
    return vs->st->KeepRunningBatch(static_cast<benchmark::IterationCount>(n)) ? 1 : 0;
}

extern "C" int64_t volt_bench_arg(volt_bench_state_t *vs) { return vs->st->range(0); }
extern "C" void volt_bench_pause(volt_bench_state_t *vs) { vs->st->PauseTiming(); }
extern "C" void volt_bench_resume(volt_bench_state_t *vs) { vs->st->ResumeTiming(); }
extern "C" void volt_bench_set_items(volt_bench_state_t *vs, int64_t n)
{
    vs->st->SetItemsProcessed(n);
}
extern "C" void volt_bench_set_bytes(volt_bench_state_t *vs, int64_t n)
{
    vs->st->SetBytesProcessed(n);
}
extern "C" void volt_bench_set_iteration_time(volt_bench_state_t *vs, double s)
{
    vs->st->SetIterationTime(s);
}
extern "C" void volt_bench_counter(volt_bench_state_t *vs, const char *name, double v, int rate)
{
    vs->st->counters[name] =
        benchmark::Counter(v, rate ? benchmark::Counter::kIsRate : benchmark::Counter::kDefaults);
}
extern "C" void volt_bench_skip(volt_bench_state_t *vs, const char *why)
{
    vs->st->SkipWithError(why);
}

extern "C" int volt_bench_main(int argc, char **argv)
{
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv))
        return 2;
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
