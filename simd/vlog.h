/* simd/vlog.h — natural logarithms of an array, four (AVX2) or two (SSE2) at a time.
 *
 * The AVX2 kernel is volt's own inline log (simd/vlog_avx2.h); the SSE2 kernel is glibc's libmvec
 * (`_ZGVbN2v_log`, at most 4 ulp from the correctly rounded result, documented by glibc); the
 * scalar reference is libm's log(). Both vector kernels are tested within 4 ulp of libm. Inputs must be positive and finite (callers
 * substitute a placeholder for anything else and discard its result). */
#ifndef VOLT_SIMD_VLOG_H
#define VOLT_SIMD_VLOG_H

/* v[i] = log(v[i]) for i < n; v must have room for n rounded up to a multiple of 4 (the tail
 * lanes are computed and overwritten: fill them with 1.0). Uses the ISA chosen by
 * volt_simd_init. */
void volt_log_n(double *v, int n);
/* The scalar reference. */
void volt_log_n_scalar(double *v, int n);

#endif
