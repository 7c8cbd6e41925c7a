/* volt-bench: every micro bench in one binary. Google Benchmark flags apply, e.g.
 *   volt-bench --benchmark_filter=parse --benchmark_out=parse.json --benchmark_out_format=json */
#include "bench.h"
#include "simd/cpu.h"

int main(int argc, char **argv)
{
    volt_simd_init();
    volt_bench_register_parse();
    volt_bench_register_parse_peer();
    volt_bench_register_ring();
    volt_bench_register_features();
    volt_bench_register_model();
    volt_bench_register_journal();
    volt_bench_register_book();
#ifdef VOLT_HAVE_XGBOOST
    volt_bench_register_model_peer();
#endif
    return volt_bench_main(argc, argv);
}
