/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kselftest harness of Debian's linux-source-6.1, included with one
 * warning silenced: its SIGALRM handler has an unused parameter, which our
 * -Wextra -Werror build would reject.
 */
#ifndef MFPSCAN_HARNESS_H
#define MFPSCAN_HARNESS_H
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter"
#include "kselftest_harness.h"
#pragma GCC diagnostic pop
#endif
