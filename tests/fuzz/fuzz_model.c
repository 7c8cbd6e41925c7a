/* tests/fuzz/fuzz_model.c — the model-file reader on any text. A file it accepts must score: the
 * model is run on a feature vector with every value missing, zero and large. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "engine/model/model.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    FILE *f = fmemopen((void *)data, size, "r");
    if (!f)
        return 0;
    volt_model_t m;
    if (volt_model_read(&m, f, "fuzz") == 0) {
        double x[VOLT_NF], score, prob;
        const double fill[3] = {NAN, 0.0, 1e300};
        for (int k = 0; k < 3; k++) {
            for (int i = 0; i < VOLT_NF; i++)
                x[i] = fill[k];
            volt_model_score(&m, x, &score, &prob);
            if (!isnan(prob) && !(prob >= 0.0 && prob <= 1.0))
                abort();
        }
        volt_model_close(&m);
    }
    fclose(f);
    return 0;
}
