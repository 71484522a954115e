/* cmt-flows.h: what the flows' widgets share (resources, product words, D-Bus helpers) */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

/* Atlassian's page for creating API tokens, opened by "Create an API token…". */
#define CMT_FLOWS_API_TOKENS_URL "https://id.atlassian.com/manage-profile/security/api-tokens"

/* Renewing or checking a credential waits on the network twice over: far
 * longer than D-Bus's default 25 s, and the admin can cancel it anyway. */
#define CMT_FLOWS_NETWORK_CALL_TIMEOUT_MSEC (10 * 60 * 1000)

/* Registers the flows' GResource once; every widget class calls it first. */
void        cmt_flows_ensure_resources     (void);

/* Adds the flows' style sheet to the display of @widget (once). */
void        cmt_flows_ensure_style         (GtkWidget  *widget);

gboolean    cmt_flows_product_is_jira      (const char *product);

/* The server page the manual flow starts from (ATLASSIAN.md, "Deep links"). */
char       *cmt_flows_server_page_url      (const char *product,
                                            const char *base_url);

/* Opens @uri in the browser for the window of @widget. */
void        cmt_flows_open_uri             (GtkWidget  *widget,
                                            const char *uri);

/* Before a generated proxy's call that may wait on the network (Add*,
 * ReplaceToken, Renew): gives @proxy the timeout such calls need. */
void        cmt_flows_prepare_call         (gpointer    proxy);
/* After its _finish: @ok, with *@error turned into CMT_ERROR where the name
 * is ours. */
gboolean    cmt_flows_finish               (gboolean    ok,
                                            GError    **error);

/* A date picked in a calendar, as the moment a token stops being valid: the
 * end of that day in the local time zone. */
gint64      cmt_flows_date_end_of_day      (GDateTime  *date);
/* A date picked as "renewed on": now when it is today, else noon that day. */
gint64      cmt_flows_date_renewed_at      (GDateTime  *date,
                                            gint64      now);

/* Whether two site URLs name the same site, normalised when they can be. */
gboolean    cmt_flows_same_url             (const char *a,
                                            const char *b);

/* A new GtkCalendar whose header reads in the order of the language: GTK
 * 4.8 puts the month before the year, Japanese reads the year first. */
GtkWidget  *cmt_flows_calendar_new         (void);

/* Lists @row's choices (a GtkStringList) whole in its popup: libadwaita 1.2
 * ellipsizes them to the row's width ("Username and pass…"). */
void        cmt_flows_combo_row_show_whole (AdwComboRow *row);

/* Sets @group's description, breaking long words (an email, a URL) where
 * they must: libadwaita 1.2 wraps it at spaces only, so a long address makes
 * the page wider than its window. */
void        cmt_flows_group_set_description (AdwPreferencesGroup *group,
                                             const char          *description);

/* Sets the accessible label of @widget (the name AT-SPI and the tests see). */
void        cmt_flows_set_accessible_label (GtkWidget  *widget,
                                            const char *label);

/* Gives the icon-only buttons under @widget that have no accessible name
 * (libadwaita 1.2's "show text" toggle in a password row) their tooltip as
 * their name. */
void        cmt_flows_name_icon_buttons    (GtkWidget  *widget);

/* Enter on @widget (a check or radio button, which Enter would toggle)
 * activates @target instead, when it can be pressed: the page goes on. */
void        cmt_flows_enter_activates      (GtkWidget  *widget,
                                            GtkWidget  *target);

G_END_DECLS
