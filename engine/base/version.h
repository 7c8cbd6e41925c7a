/* engine/base/version.h — the engine's version (volt version, volt_build_info). */
#ifndef VOLT_ENGINE_VERSION_H
#define VOLT_ENGINE_VERSION_H

#define VOLT_VERSION "0.1.0"

#endif
