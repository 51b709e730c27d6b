#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# run-all.sh [TEST...]: run every tests/integration/test_*.sh (or those
# named), each in its own process (run-suite.sh says how); logs and
# FAILURES.md in build/integration/.
exec bash "$(dirname "$0")/run-suite.sh" integration Integration "$@"
