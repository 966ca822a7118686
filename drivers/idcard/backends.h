/* SPDX-License-Identifier: MIT */
/* backends.h - ID card reader back-ends built in (internal). */
#ifndef KX_DRIVERS_IDCARD_BACKENDS_H
#define KX_DRIVERS_IDCARD_BACKENDS_H

#include "idcard.h"

extern const kx_idcard_ops kx_idcard_ga467_ops;

#endif
