/* simd/cpu.h — instruction-set selection, done once at start-up.
 *
 * volt_simd_init() reads CPUID (through the compiler's builtins) and fixes every kernel's
 * implementation for the life of the process; kernels never re-dispatch per call. VOLT_SIMD=scalar
 * (or sse2) in the environment forces the scalar references (or the SSE2 kernels, x86-64's
 * baseline) for tests and A/B benchmarks. Kernels without an SSE2 version use the scalar one then. */
#ifndef VOLT_SIMD_CPU_H
#define VOLT_SIMD_CPU_H

typedef enum { VOLT_ISA_SCALAR = 0, VOLT_ISA_SSE2 = 1, VOLT_ISA_AVX2 = 2 } volt_isa_t;

/* Chooses the kernels. Idempotent; call from the main thread before starting agents. */
volt_isa_t volt_simd_init(void);
/* Forces an ISA (tests, benches). Returns the ISA in force, which is scalar when the CPU lacks it. */
volt_isa_t volt_simd_force(volt_isa_t isa);
volt_isa_t volt_simd_isa(void);
const char *volt_simd_isa_name(volt_isa_t isa);

#endif
