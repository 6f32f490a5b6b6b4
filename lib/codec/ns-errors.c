/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "netsend/ns-errors.h"

G_DEFINE_QUARK (ns-codec-error-quark, ns_codec_error)
