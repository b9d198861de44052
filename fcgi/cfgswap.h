/*
 * SPDX-License-Identifier: ISC
 * Copyright (c) the mailautoconf developers
 *
 * Lock-free publication of the loaded configuration to worker threads
 * (STYLE §7).  One global pointer holds the current configuration; each
 * worker owns one hazard slot in which it announces the configuration its
 * request is using.  Workers never lock; the main thread publishes a new
 * configuration and frees the old one once no slot holds it.
 */
#ifndef MAC_CFGSWAP_H
#define MAC_CFGSWAP_H

#include <stddef.h>

struct mac_cfg;

int cfgswap_init(size_t n, struct mac_cfg *first);
const struct mac_cfg *cfgswap_acquire(size_t slot);
void cfgswap_release(size_t slot);
void cfgswap_publish(struct mac_cfg *next);

#endif
