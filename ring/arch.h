/* ring/arch.h — cache-line size, CPU pause and small helpers shared by every module.
 *
 * The false-sharing unit is two cache lines (128 bytes) on x86: the adjacent-line prefetcher
 * pulls pairs of lines, so fields written by different threads are kept 128 bytes apart. */
#ifndef VOLT_RING_ARCH_H
#define VOLT_RING_ARCH_H

#include <stdint.h>

#define VOLT_CACHELINE 64
#define VOLT_FALSE_SHARING 128

#define VOLT_LIKELY(x) __builtin_expect(!!(x), 1)
#define VOLT_UNLIKELY(x) __builtin_expect(!!(x), 0)

/* A spin-wait hint: lowers power and frees the sibling hyper-thread while a thread polls. */
static inline void volt_cpu_pause(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield");
#endif
}

/* Round up to the next power of two (returns 0 on overflow). */
static inline uint64_t volt_next_pow2(uint64_t v)
{
    if (v <= 1)
        return 1;
    if (v > (UINT64_C(1) << 63))
        return 0;
    return UINT64_C(1) << (64 - __builtin_clzll(v - 1));
}

static inline int volt_is_pow2(uint64_t v) { return v != 0 && (v & (v - 1)) == 0; }

#endif
