/* cmt-manual-steps.h: the Atlassian KB article's manual renewal steps, per product */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/*
 * The steps of "Renew Token in Jira Cloud Migration Assistant (JCMA)" (for
 * @product "jira") or "… Confluence … (CCMA)" (anything else), in the
 * user's language, as Pango markup with Atlassian's UI labels in bold.
 * @site_display names the cloud site to pick (markup-escaped here).
 */
GStrv cmt_manual_steps_new (const char *product,
                            const char *site_display);

G_END_DECLS
