// SPDX-License-Identifier: GPL-2.0
/*
 * mfpscan-panel: the GTK 4 scan panel, for an MFP's 800×480 touch panel
 * (--kiosk) and for the desktop. One instance per session: starting it
 * again (as the notification agent does for "Save a Copy…") hands the
 * command line to the running one (GApplication uniqueness).
 */
#include <locale.h>

#include "daemon_client.h"
#include "job_text.h"
#include "panel_window.h"

#ifndef LOCALEDIR
#define LOCALEDIR "/usr/share/locale"
#endif
#ifndef PANEL_VERSION
#define PANEL_VERSION "1.0"
#endif

struct panel_app {
	struct daemon_client *dc;
	struct panel_window *window;
	GError *connect_error;
	GtkCssProvider *css;
};

/* Touch-sized targets (at least 44 px, the Scan button larger) and the
 * few styles libadwaita would give; GTK's own theme does the rest. */
static const char panel_css[] =
	".page { padding: 18px; }\n"
	".notices { padding: 12px 18px 0 18px; }\n"
	"button { min-height: 44px; min-width: 44px; padding: 4px 16px; }\n"
	"dropdown > button, spinbutton { min-height: 44px; }\n"
	"entry { min-height: 40px; }\n"
	".scan-button { min-height: 64px; font-size: 1.4em; font-weight: bold; }\n"
	".status { font-size: 1.15em; }\n"
	".banner { padding: 12px; border-radius: 8px;"
	" background: alpha(@theme_selected_bg_color, 0.15); }\n"
	".boxed-list { border-radius: 8px; border: 1px solid alpha(black, 0.15); }\n"
	".boxed-list > row { padding: 12px; border-bottom: 1px solid alpha(black, 0.08); }\n"
	".dialog-body { padding: 24px; }\n"
	".title-2 { font-size: 1.4em; font-weight: 800; }\n"
	".title-4 { font-size: 1.2em; font-weight: bold; }\n"
	".heading { font-weight: bold; }\n"
	"row:selected .dim-label { opacity: 0.9; }\n"
	".kiosk { font-size: 1.1em; }\n"
	".kiosk-switcher { margin: 8px; }\n"
	".kiosk-switcher > button { min-width: 160px; min-height: 48px; }\n";

static void load_css(struct panel_app *pa)
{
	pa->css = gtk_css_provider_new();
	gtk_css_provider_load_from_data(pa->css, panel_css, -1);
	gtk_style_context_add_provider_for_display(gdk_display_get_default(),
		GTK_STYLE_PROVIDER(pa->css), GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);
}

static void on_startup(GApplication *app, gpointer data)
{
	struct panel_app *pa = data;

	load_css(pa);
	pa->dc = dc_connect(&pa->connect_error);
	if (!pa->dc)
		g_printerr("mfpscan-panel: system bus: %s\n",
			   pa->connect_error->message);
}

static struct panel_window *window_of(struct panel_app *pa, GApplication *app,
				      gboolean kiosk)
{
	if (!pa->window)
		pa->window = panel_window_new(GTK_APPLICATION(app), pa->dc, kiosk,
					      pa->connect_error);
	return pa->window;
}

static int on_command_line(GApplication *app, GApplicationCommandLine *cl,
			   gpointer data)
{
	struct panel_app *pa = data;
	GVariantDict *opts = g_application_command_line_get_options_dict(cl);
	gboolean kiosk = g_variant_dict_contains(opts, "kiosk");
	const char *page = NULL, *save = NULL;
	struct panel_window *w = window_of(pa, app, kiosk);

	if (g_variant_dict_lookup(opts, "page", "&s", &page))
		panel_window_show_page(w, page);
	panel_window_present(w);
	if (g_variant_dict_lookup(opts, "save", "&s", &save))
		panel_window_save(w, save);
	return 0;
}

static const GOptionEntry options[] = {
	{ "page", 'p', 0, G_OPTION_ARG_STRING, NULL,
	  N_("Open this page: scan, waiting or accounts"), N_("PAGE") },
	{ "save", 's', 0, G_OPTION_ARG_STRING, NULL,
	  N_("Offer to save a copy of this waiting scan (its object path)"),
	  N_("ENTRY") },
	{ "kiosk", 'k', 0, G_OPTION_ARG_NONE, NULL,
	  N_("Fill the screen (an MFP's touch panel)"), NULL },
	{ "version", 0, 0, G_OPTION_ARG_NONE, NULL, N_("Print the version"), NULL },
	{ NULL, 0, 0, 0, NULL, NULL, NULL },
};

/* --version is answered locally, without reaching a running instance. */
static int on_local_options(GApplication *app, GVariantDict *opts, gpointer data)
{
	if (g_variant_dict_contains(opts, "version")) {
		g_print("mfpscan-panel %s\n", PANEL_VERSION);
		return 0;
	}
	return -1;
}

int main(int argc, char **argv)
{
	struct panel_app pa = { 0 };
	GtkApplication *app;
	int status;

	setlocale(LC_ALL, "");
	bindtextdomain(GETTEXT_PACKAGE, LOCALEDIR);
	bind_textdomain_codeset(GETTEXT_PACKAGE, "UTF-8");
	app = gtk_application_new("org.mfpscan.Panel",
				  G_APPLICATION_HANDLES_COMMAND_LINE);
	g_application_add_main_option_entries(G_APPLICATION(app), options);
	g_application_set_option_context_parameter_string(G_APPLICATION(app), "");
	g_signal_connect(app, "startup", G_CALLBACK(on_startup), &pa);
	g_signal_connect(app, "command-line", G_CALLBACK(on_command_line), &pa);
	g_signal_connect(app, "handle-local-options", G_CALLBACK(on_local_options), &pa);
	status = g_application_run(G_APPLICATION(app), argc, argv);
	g_object_unref(app);
	pa.dc = dc_free(pa.dc);
	g_clear_error(&pa.connect_error);
	g_clear_object(&pa.css);
	return status;
}
