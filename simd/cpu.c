#include "cpu.h"

#include <stdlib.h>
#include <string.h>

#include "isodate.h"
#include "slide.h"
#include "sum.h"

static volt_isa_t g_isa = VOLT_ISA_SCALAR;

static void apply(volt_isa_t isa)
{
    g_isa = isa;
    volt_sum2_impl_ = isa == VOLT_ISA_AVX2 ? volt_sum2_avx2 : volt_sum2_scalar;
    volt_slide_update_impl_ = isa == VOLT_ISA_AVX2   ? volt_slide_update_avx2
                              : isa == VOLT_ISA_SSE2 ? volt_slide_update_sse2
                                                     : volt_slide_update_scalar;
    volt_slide_read_impl_ = isa == VOLT_ISA_AVX2   ? volt_slide_read_avx2
                            : isa == VOLT_ISA_SSE2 ? volt_slide_read_sse2
                                                   : volt_slide_read_scalar;
    volt_iso_prefix_impl_ = isa == VOLT_ISA_AVX2 ? volt_iso_prefix_ssse3 : volt_iso_prefix_scalar;
    volt_slide_rt_shared_impl_ =
        isa == VOLT_ISA_AVX2 ? volt_slide_rt_shared_avx2 : volt_slide_rt_shared_scalar;
}

static int cpu_has_avx2(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#else
    return 0;
#endif
}

static int cpu_has_sse2(void)
{
#if defined(__x86_64__)
    return 1;
#else
    return 0;
#endif
}

volt_isa_t volt_simd_init(void)
{
    const char *env = getenv("VOLT_SIMD");
    if (env && strcmp(env, "scalar") == 0)
        apply(VOLT_ISA_SCALAR);
    else if (env && strcmp(env, "sse2") == 0)
        apply(cpu_has_sse2() ? VOLT_ISA_SSE2 : VOLT_ISA_SCALAR);
    else
        apply(cpu_has_avx2() ? VOLT_ISA_AVX2 : VOLT_ISA_SCALAR);
    return g_isa;
}

volt_isa_t volt_simd_force(volt_isa_t isa)
{
    if (isa == VOLT_ISA_AVX2 && cpu_has_avx2())
        apply(VOLT_ISA_AVX2);
    else if (isa == VOLT_ISA_SSE2 && cpu_has_sse2())
        apply(VOLT_ISA_SSE2);
    else
        apply(VOLT_ISA_SCALAR);
    return g_isa;
}

volt_isa_t volt_simd_isa(void) { return g_isa; }

const char *volt_simd_isa_name(volt_isa_t isa)
{
    return isa == VOLT_ISA_AVX2 ? "avx2" : isa == VOLT_ISA_SSE2 ? "sse2" : "scalar";
}
