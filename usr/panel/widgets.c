// SPDX-License-Identifier: GPL-2.0
/*
 * widgets: builders for accessible, touch-sized controls (see widgets.h).
 * GTK 4 names a button after its label for AT-SPI already; drop-downs and
 * entries have no visible text of their own, so they are named explicitly,
 * and a form's labels are bound with GTK_ACCESSIBLE_RELATION_LABELLED_BY.
 */
#include "widgets.h"

void widgets_name(GtkWidget *w, const char *name)
{
	gtk_accessible_update_property(GTK_ACCESSIBLE(w),
				       GTK_ACCESSIBLE_PROPERTY_LABEL, name, -1);
}

GtkWidget *widgets_button(const char *label, const char *description)
{
	GtkWidget *b = gtk_button_new();
	GtkWidget *text = gtk_label_new_with_mnemonic(label);

	/* The label is a child rather than the button's "label": GTK 4.8
	 * then names the button after the label's text alone (with
	 * gtk_button_new_with_mnemonic screen readers would hear the raw
	 * "_Scan" and then "Scan"). */
	gtk_label_set_mnemonic_widget(GTK_LABEL(text), b);
	gtk_button_set_child(GTK_BUTTON(b), text);
	if (description)
		gtk_accessible_update_property(GTK_ACCESSIBLE(b),
			GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, description, -1);
	return b;
}

GtkWidget *widgets_label(const char *text, const char *css_class)
{
	GtkWidget *l = gtk_label_new(text);

	gtk_label_set_wrap(GTK_LABEL(l), TRUE);
	gtk_label_set_wrap_mode(GTK_LABEL(l), PANGO_WRAP_WORD_CHAR);
	gtk_label_set_xalign(GTK_LABEL(l), 0);
	gtk_label_set_selectable(GTK_LABEL(l), FALSE);
	if (css_class)
		gtk_widget_add_css_class(l, css_class);
	return l;
}

GtkWidget *widgets_dropdown(const char *const *items)
{
	return gtk_drop_down_new_from_strings(items);
}

GtkWidget *widgets_field(GtkGrid *grid, int row, const char *label, GtkWidget *control)
{
	GtkWidget *l = gtk_label_new_with_mnemonic(label);

	gtk_label_set_xalign(GTK_LABEL(l), 1);
	gtk_label_set_mnemonic_widget(GTK_LABEL(l), control);
	gtk_widget_add_css_class(l, "dim-label");
	gtk_widget_set_hexpand(control, TRUE);
	gtk_accessible_update_relation(GTK_ACCESSIBLE(control),
		GTK_ACCESSIBLE_RELATION_LABELLED_BY, l, NULL, -1);
	gtk_grid_attach(grid, l, 0, row, 1, 1);
	gtk_grid_attach(grid, control, 1, row, 1, 1);
	return l;
}

void widgets_clear_list(GtkListBox *list)
{
	GtkWidget *child;

	while ((child = gtk_widget_get_first_child(GTK_WIDGET(list))))
		gtk_list_box_remove(list, child);
}

GtkWidget *widgets_row(GtkWidget *child, const char *name)
{
	GtkWidget *row = gtk_list_box_row_new();

	gtk_list_box_row_set_child(GTK_LIST_BOX_ROW(row), child);
	gtk_list_box_row_set_activatable(GTK_LIST_BOX_ROW(row), FALSE);
	widgets_name(row, name);
	return row;
}

void widgets_say(GtkWidget *label, const char *text)
{
	gtk_label_set_text(GTK_LABEL(label), text ? text : "");
	gtk_widget_set_visible(label, text && *text);
}
