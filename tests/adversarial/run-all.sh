#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# run-all.sh [TEST...]: run every tests/adversarial/test_*.sh (or those
# named), each in its own process (tests/integration/run-suite.sh says
# how); logs and FAILURES.md in build/adversarial/.
exec bash "$(dirname "$0")/../integration/run-suite.sh" adversarial Adversarial "$@"
