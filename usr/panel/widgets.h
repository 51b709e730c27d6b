/* SPDX-License-Identifier: GPL-2.0 */
/*
 * widgets: small builders shared by the panel's pages, so that every
 * control gets an accessible name, a touch-sized target and the same look.
 */
#ifndef MFPSCAN_WIDGETS_H
#define MFPSCAN_WIDGETS_H

#include <gtk/gtk.h>

/* widgets_name: set the accessible name (what screen readers say). */
void widgets_name(GtkWidget *w, const char *name);

/* widgets_button: a button with a mnemonic label (its accessible name)
 * and an accessible description when given (e.g. the document it acts on). */
GtkWidget *widgets_button(const char *label, const char *description);

/* widgets_label: a left-aligned, wrapping label (optionally with a CSS class). */
GtkWidget *widgets_label(const char *text, const char *css_class);

/* widgets_dropdown: a drop-down of strings; widgets_field names it. */
GtkWidget *widgets_dropdown(const char *const *items);

/* widgets_field: a row of a form grid: a label bound to its control,
 * which is named by it for AT-SPI (labelled-by). Returns the label. */
GtkWidget *widgets_field(GtkGrid *grid, int row, const char *label, GtkWidget *control);

/* widgets_say: show text in label (a page's banner); hidden when empty. */
void widgets_say(GtkWidget *label, const char *text);

/* widgets_row: a list row holding child, not activatable (its own buttons
 * act), named for screen readers. */
GtkWidget *widgets_row(GtkWidget *child, const char *name);

/* widgets_clear_list: remove every row of a list box. */
void widgets_clear_list(GtkListBox *list);

#endif
