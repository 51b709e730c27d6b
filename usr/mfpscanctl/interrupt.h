/* SPDX-License-Identifier: GPL-2.0 */
/*
 * interrupt: Ctrl-C and SIGTERM for the commands that wait on the bus
 * (scan, watch). The handler only counts; the waiting loop sees sd_bus_wait()
 * return -EINTR and asks how many interrupts arrived.
 */
#ifndef MFPSCANCTL_INTERRUPT_H
#define MFPSCANCTL_INTERRUPT_H

/* Install the counting handler for SIGINT and SIGTERM (no SA_RESTART). */
void interrupt_install(void);

/* How many SIGINT/SIGTERM arrived since interrupt_install(). */
int interrupt_count(void);

#endif
