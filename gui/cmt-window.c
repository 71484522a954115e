/* cmt-window.c: the main window: connections, cloud accounts, servers */
#include <glib/gi18n.h>

#include "cmt-add-connection-dialog.h"
#include "cmt-bulk-renew-dialog.h"
#include "cmt-connection-row.h"
#include "cmt-connection-sorter.h"
#include "cmt-credential-dialog.h"
#include "cmt-credential-row.h"
#include "cmt-dbus.h"
#include "cmt-error.h"
#include "cmt-flows.h"
#include "cmt-history-dialog.h"
#include "cmt-names.h"
#include "cmt-object-model.h"
#include "cmt-preferences-window.h"
#include "cmt-product.h"
#include "cmt-summary.h"
#include "cmt-renew-dialog.h"
#include "cmt-resources.h"
#include "cmt-url.h"
#include "cmt-window.h"
#include "cmt-wording.h"


/* Wording like "Expires in 3 hours" goes stale as time passes. */
#define TICK_SECONDS 60

/* The state filter's items, in the order of the .ui. */
enum {
  STATE_FILTER_ALL,
  STATE_FILTER_ATTENTION,
  STATE_FILTER_EXPIRED,
  STATE_FILTER_CANNOT_RENEW,
  STATE_FILTER_THIS_WEEK,
  STATE_FILTER_NEVER_RENEWED,
  STATE_FILTER_VALID,
};

struct _CmtWindow
{
  AdwApplicationWindow  parent_instance;

  GDBusObjectManager   *manager;
  GError               *service_error;
  CmtManager           *manager_iface;
  CmtObjectModel       *connections;
  CmtObjectModel       *accounts;
  CmtObjectModel       *servers;
  GtkFilter            *filter;
  GtkFilterListModel   *filtered;
  GtkSortListModel     *sorted;
  GtkSliceListModel    *shown;            /* the first rows of sorted, then all of it */
  guint                 grow_tick_id;
  guint                 grow_frames;
  GtkSingleSelection   *selection;
  GPtrArray            *rows;           /* CmtConnectionRow made by the factory */
  char                 *pending_show;   /* ids asked for before the objects were there */
  char                 *pending_renew;
  GCancellable         *cancellable;
  guint                 tick_id;
  guint                 update_idle_id;
  gboolean              names_changed;  /* a server or account came or went */
  GtkSorter            *sorter;

  AdwToastOverlay      *toast_overlay;
  AdwViewSwitcherTitle *switcher_title;
  GtkWidget            *search_button;
  GtkSearchBar         *search_bar;
  GtkEditable          *search_entry;
  GtkRevealer          *keyring_revealer;
  GtkLabel             *keyring_title;
  GtkLabel             *keyring_body;
  GtkStack             *main_stack;
  GtkSpinner           *loading_spinner;
  GtkLabel             *no_service_detail;
  AdwViewStack         *view_stack;
  AdwViewStackPage     *connections_page;
  AdwViewStackPage     *accounts_page;
  AdwViewStackPage     *servers_page;
  GtkStack             *connections_stack;
  GtkLabel             *summary_label;
  GtkDropDown          *state_filter;
  GtkWidget            *renew_all_button;
  GtkListView          *list_view;
  GtkStack             *accounts_stack;
  GtkListView          *accounts_list;
  GtkStack             *servers_stack;
  GtkListView          *servers_list;
};

G_DEFINE_FINAL_TYPE (CmtWindow, cmt_window, ADW_TYPE_APPLICATION_WINDOW)

static gboolean
service_reachable (CmtWindow *self)
{
  if (self->manager == NULL)
    return FALSE;
  if (G_IS_DBUS_OBJECT_MANAGER_CLIENT (self->manager))
    {
      g_autofree char *owner =
        g_dbus_object_manager_client_get_name_owner (G_DBUS_OBJECT_MANAGER_CLIENT (self->manager));
      return owner != NULL;
    }
  return TRUE;
}

static guint
count_attention (GListModel *model,
                 const char *iface_name)
{
  guint n = g_list_model_get_n_items (model);
  guint count = 0;

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(GDBusObject) object = g_list_model_get_item (model, i);
      g_autoptr(GDBusInterface) iface = g_dbus_object_get_interface (object, iface_name);

      if (CMT_IS_CONNECTION (iface))
        {
          CmtStatus status = cmt_status_from_string (cmt_connection_get_status (CMT_CONNECTION (iface)));
          count += status == CMT_STATUS_EXPIRED || status == CMT_STATUS_EXPIRING ||
                   cmt_connection_get_attention_needed (CMT_CONNECTION (iface));
        }
      else if (CMT_IS_CLOUD_ACCOUNT (iface))
        count += cmt_cloud_account_get_attention_needed (CMT_CLOUD_ACCOUNT (iface));
      else if (CMT_IS_SERVER (iface))
        count += cmt_server_get_attention_needed (CMT_SERVER (iface));
    }
  return count;
}

static void
update_keyring (CmtWindow *self)
{
  const char *state = self->manager_iface != NULL
                      ? cmt_manager_get_keyring_state (self->manager_iface) : NULL;
  gboolean shown = FALSE;

  if (g_strcmp0 (state, "locked") == 0)
    {
      gtk_label_set_label (self->keyring_title, _("The keyring is locked"));
      gtk_label_set_label (self->keyring_body,
                           _("The service keeps API tokens and server credentials in your keyring "
                             "and cannot check or renew anything while it is locked. Unlock the "
                             "“Login” keyring, for example with the Passwords and Keys app, or by "
                             "logging out and in again."));
      shown = TRUE;
    }
  else if (g_strcmp0 (state, "unavailable") == 0)
    {
      gtk_label_set_label (self->keyring_title, _("No keyring is available"));
      gtk_label_set_label (self->keyring_body,
                           _("The service keeps API tokens and server credentials in a keyring "
                             "(the Secret Service), but none answered. Install and start "
                             "GNOME Keyring or another Secret Service, then reopen the app."));
      shown = TRUE;
    }

  /* Hidden for real, not only slid away: screen readers must not read it. */
  gtk_widget_set_visible (GTK_WIDGET (self->keyring_revealer), shown);
  gtk_revealer_set_reveal_child (self->keyring_revealer, shown);
}

/* What "Renew All That Need It…" would renew (cmt_bulk_renew_dialog_pick()). */
static guint
count_needing_renewal (GListModel *connections)
{
  guint n = g_list_model_get_n_items (connections);
  guint count = 0;

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(GDBusObject) object = g_list_model_get_item (connections, i);
      CmtConnection *connection = CMT_IS_OBJECT (object) ? cmt_object_peek_connection (CMT_OBJECT (object)) : NULL;

      if (connection != NULL &&
          cmt_summary_needs_renewal (cmt_status_from_string (cmt_connection_get_status (connection))))
        count++;
    }
  return count;
}

static void
update_state (CmtWindow *self)
{
  const char *page;

  if (self->manager == NULL)
    page = self->service_error != NULL ? "no-service" : "loading";
  else if (!service_reachable (self))
    page = "no-service";
  else
    page = "content";

  gtk_stack_set_visible_child_name (self->main_stack, page);
  gtk_spinner_set_spinning (self->loading_spinner, g_str_equal (page, "loading"));
  gtk_widget_set_visible (GTK_WIDGET (self->no_service_detail), self->service_error != NULL);
  if (self->service_error != NULL)
    gtk_label_set_label (self->no_service_detail, self->service_error->message);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "main.retry", !g_str_equal (page, "content"));

  if (self->connections != NULL)
    {
      guint n_connections = g_list_model_get_n_items (G_LIST_MODEL (self->connections));
      guint n_shown = g_list_model_get_n_items (G_LIST_MODEL (self->sorted));
      guint attention = count_attention (G_LIST_MODEL (self->connections), CMT_CONNECTION_INTERFACE);

      g_autofree char *summary = NULL;
      gboolean summary_attention = FALSE;

      gtk_stack_set_visible_child_name (self->connections_stack,
                                        n_connections == 0 ? "empty" : n_shown == 0 ? "no-results" : "list");
      /* All connections, whatever the search shows. */
      summary = cmt_wording_summary (self->manager, G_LIST_MODEL (self->connections),
                                     cmt_wording_now (), &summary_attention);
      gtk_label_set_label (self->summary_label, summary);
      gtk_widget_set_visible (GTK_WIDGET (self->summary_label), *summary != '\0');
      if (summary_attention)
        gtk_widget_remove_css_class (GTK_WIDGET (self->summary_label), "dim-label");
      else
        gtk_widget_add_css_class (GTK_WIDGET (self->summary_label), "dim-label");
      gtk_widget_set_visible (self->renew_all_button, count_needing_renewal (G_LIST_MODEL (self->connections)) > 0);
      adw_view_stack_page_set_needs_attention (self->connections_page, attention > 0);
      adw_view_stack_page_set_badge_number (self->connections_page, attention);

      attention = count_attention (G_LIST_MODEL (self->accounts), CMT_CLOUD_ACCOUNT_INTERFACE);
      gtk_stack_set_visible_child_name (self->accounts_stack,
                                        g_list_model_get_n_items (G_LIST_MODEL (self->accounts)) ? "list" : "empty");
      adw_view_stack_page_set_needs_attention (self->accounts_page, attention > 0);
      adw_view_stack_page_set_badge_number (self->accounts_page, attention);

      attention = count_attention (G_LIST_MODEL (self->servers), CMT_SERVER_INTERFACE);
      gtk_stack_set_visible_child_name (self->servers_stack,
                                        g_list_model_get_n_items (G_LIST_MODEL (self->servers)) ? "list" : "empty");
      adw_view_stack_page_set_needs_attention (self->servers_page, attention > 0);
      adw_view_stack_page_set_badge_number (self->servers_page, attention);
    }

  update_keyring (self);
}

static void refresh_rows (CmtWindow *self);

static gboolean
update_state_idle (gpointer user_data)
{
  CmtWindow *self = user_data;

  self->update_idle_id = 0;
  if (self->names_changed)
    {
      /* Rows, order and search read server names and account emails from
       * other objects, which may arrive after the connections (e.g. when the
       * service starts again). */
      self->names_changed = FALSE;
      refresh_rows (self);
      if (self->sorter != NULL)
        gtk_sorter_changed (self->sorter, GTK_SORTER_CHANGE_DIFFERENT);
      if (self->filter != NULL)
        gtk_filter_changed (self->filter, GTK_FILTER_CHANGE_DIFFERENT);
    }
  update_state (self);
  return G_SOURCE_REMOVE;
}

/* Objects arrive one signal each: count and pick the page once per burst. */
static void
queue_update_state (CmtWindow *self)
{
  if (self->update_idle_id == 0)
    self->update_idle_id = g_idle_add (update_state_idle, self);
}

/* A credential changed (its state, or it came or went): the connection
 * rows that name it or warn about it refresh with the next update. */
static void
on_credentials_changed (CmtWindow *self)
{
  self->names_changed = TRUE;
  queue_update_state (self);
}

static void
refresh_rows (CmtWindow *self)
{
  for (guint i = 0; i < self->rows->len; i++)
    {
      gpointer row = g_ptr_array_index (self->rows, i);

      if (CMT_IS_CONNECTION_ROW (row))
        cmt_connection_row_refresh (row);
      else
        cmt_credential_row_refresh (row);
    }
}

void
cmt_window_refresh_time (CmtWindow *self)
{
  g_return_if_fail (CMT_IS_WINDOW (self));

  refresh_rows (self);
  /* "Expires this week" and "Expired" move with the clock, not only with the
   * service's properties: a chosen state filter is asked again. */
  if (self->filter != NULL &&
      gtk_drop_down_get_selected (self->state_filter) != STATE_FILTER_ALL)
    gtk_filter_changed (self->filter, GTK_FILTER_CHANGE_DIFFERENT);
  update_state (self);
}

static gboolean
on_tick (gpointer user_data)
{
  cmt_window_refresh_time (user_data);
  return G_SOURCE_CONTINUE;
}

static void
on_manager_iface_notify (CmtWindow  *self,
                         GParamSpec *pspec)
{
  /* Lifetime and warning times change every row's wording and bar. */
  refresh_rows (self);
  update_state (self);
}

static void
track_manager_iface (CmtWindow *self)
{
  CmtManager *iface = cmt_wording_peek_manager (self->manager);

  if (iface == self->manager_iface)
    return;
  if (self->manager_iface != NULL)
    g_signal_handlers_disconnect_by_data (self->manager_iface, self);
  g_set_object (&self->manager_iface, iface);
  if (iface != NULL)
    g_signal_connect_swapped (iface, "notify", G_CALLBACK (on_manager_iface_notify), self);
  on_manager_iface_notify (self, NULL);
}

static void
on_objects_changed (CmtWindow   *self,
                    GDBusObject *object)
{
  if (CMT_IS_OBJECT (object) &&
      (cmt_object_peek_server (CMT_OBJECT (object)) != NULL ||
       cmt_object_peek_cloud_account (CMT_OBJECT (object)) != NULL))
    self->names_changed = TRUE;
  track_manager_iface (self);
  queue_update_state (self);
}

static void
flush_pending (CmtWindow *self)
{
  g_autofree char *show = g_steal_pointer (&self->pending_show);
  g_autofree char *renew = g_steal_pointer (&self->pending_renew);

  if (renew != NULL)
    cmt_window_renew_connection (self, renew);
  else if (show != NULL)
    cmt_window_show_connection (self, show);
}

static void
on_name_owner_changed (CmtWindow *self)
{
  track_manager_iface (self);
  update_state (self);
  if (service_reachable (self))
    flush_pending (self);
}

/* --- the connection list --- */

static void
row_finalized (gpointer  user_data,
               GObject  *where_the_row_was)
{
  CmtWindow *self = user_data;

  g_ptr_array_remove_fast (self->rows, where_the_row_was);
}

static void
factory_setup (GtkSignalListItemFactory *factory,
               GtkListItem              *item,
               CmtWindow                *self)
{
  GtkWidget *row = cmt_connection_row_new (self->manager);

  gtk_list_item_set_child (item, row);
  /* List items can go without a teardown (e.g. when the model empties): follow the row itself. */
  g_object_weak_ref (G_OBJECT (row), row_finalized, self);
  g_ptr_array_add (self->rows, row);
}

static void
factory_bind (GtkSignalListItemFactory *factory,
              GtkListItem              *item,
              CmtWindow                *self)
{
  cmt_connection_row_set_object (CMT_CONNECTION_ROW (gtk_list_item_get_child (item)),
                                 gtk_list_item_get_item (item));
}

static void
factory_unbind (GtkSignalListItemFactory *factory,
                GtkListItem              *item,
                CmtWindow                *self)
{
  cmt_connection_row_set_object (CMT_CONNECTION_ROW (gtk_list_item_get_child (item)), NULL);
}

static gboolean
state_filter_matches (CmtWindow     *self,
                      CmtConnection *connection)
{
  guint chosen = gtk_drop_down_get_selected (self->state_filter);
  int category;

  if (chosen == STATE_FILTER_ALL || chosen == GTK_INVALID_LIST_POSITION)
    return TRUE;
  category = cmt_wording_connection_category (self->manager, connection, cmt_wording_now ());
  switch (chosen)
    {
    case STATE_FILTER_ATTENTION:
      return category == CMT_SUMMARY_EXPIRED || category == CMT_SUMMARY_CANNOT_RENEW ||
             category == CMT_SUMMARY_THIS_WEEK;
    case STATE_FILTER_EXPIRED:
      return category == CMT_SUMMARY_EXPIRED;
    case STATE_FILTER_CANNOT_RENEW:
      return category == CMT_SUMMARY_CANNOT_RENEW;
    case STATE_FILTER_THIS_WEEK:
      return category == CMT_SUMMARY_THIS_WEEK;
    case STATE_FILTER_NEVER_RENEWED:
      return category == CMT_SUMMARY_NEVER_RENEWED;
    case STATE_FILTER_VALID:
      return category == CMT_SUMMARY_VALID;
    default:
      return TRUE;
    }
}

static gboolean
filter_connection (gpointer item,
                   gpointer user_data)
{
  CmtWindow *self = user_data;
  const char *text = gtk_editable_get_text (self->search_entry);
  CmtConnection *connection;
  g_autofree char *title = NULL;
  g_autofree char *label = NULL;
  g_autofree char *email = NULL;
  g_autofree char *text_all = NULL;
  g_autofree char *haystack = NULL;
  g_autofree char *needle = NULL;

  connection = cmt_object_peek_connection (CMT_OBJECT (item));
  if (connection == NULL)
    return FALSE;
  if (!state_filter_matches (self, connection))
    return FALSE;
  if (text == NULL || *text == '\0')
    return TRUE;

  title = cmt_wording_connection_title (self->manager, connection);
  label = cmt_wording_connection_label (self->manager, connection);
  email = cmt_wording_account_email (self->manager, connection);
  /* Search by address, label, account email, assistant and product. */
  text_all = g_strdup_printf ("%s %s %s %s %s", title, label != NULL ? label : "", email != NULL ? email : "",
                              cmt_assistant_short_name (cmt_connection_get_product (connection)),
                              cmt_product_name (cmt_connection_get_product (connection)));
  haystack = g_utf8_casefold (text_all, -1);
  needle = g_utf8_casefold (text, -1);
  return strstr (haystack, needle) != NULL;
}

static void
on_search_changed (CmtWindow *self)
{
  gtk_filter_changed (self->filter, GTK_FILTER_CHANGE_DIFFERENT);
  update_state (self);
}

/* The bar closed: its state filter goes with it (the entry empties itself). */
static void
on_search_mode_changed (CmtWindow *self)
{
  if (!gtk_search_bar_get_search_mode (self->search_bar))
    gtk_drop_down_set_selected (self->state_filter, STATE_FILTER_ALL);
}

static int
compare_credentials (gconstpointer a,
                     gconstpointer b,
                     gpointer      user_data)
{
  CmtObject *oa = CMT_OBJECT ((gpointer) a);
  CmtObject *ob = CMT_OBJECT ((gpointer) b);
  const char *ka;
  const char *kb;

  if (cmt_object_peek_cloud_account (oa) != NULL && cmt_object_peek_cloud_account (ob) != NULL)
    {
      ka = cmt_cloud_account_get_email (cmt_object_peek_cloud_account (oa));
      kb = cmt_cloud_account_get_email (cmt_object_peek_cloud_account (ob));
    }
  else if (cmt_object_peek_server (oa) != NULL && cmt_object_peek_server (ob) != NULL)
    {
      ka = cmt_server_get_base_url (cmt_object_peek_server (oa));
      kb = cmt_server_get_base_url (cmt_object_peek_server (ob));
    }
  else
    return 0;
  return g_utf8_collate (ka != NULL ? ka : "", kb != NULL ? kb : "");
}

/* Rows are built for what the list views show, not per object: the Cloud Accounts and
 * Servers pages stay cheap at startup however many connections there are. */
static void
credential_factory_setup (GtkSignalListItemFactory *factory,
                          GtkListItem              *item,
                          CmtWindow                *self)
{
  GtkWidget *row = cmt_credential_row_new (self->manager, NULL);

  gtk_list_item_set_child (item, row);
  gtk_list_item_set_activatable (item, FALSE);
  g_object_weak_ref (G_OBJECT (row), row_finalized, self);
  g_ptr_array_add (self->rows, row);
}

static void
credential_factory_bind (GtkSignalListItemFactory *factory,
                         GtkListItem              *item,
                         CmtWindow                *self)
{
  cmt_credential_row_set_object (CMT_CREDENTIAL_ROW (gtk_list_item_get_child (item)),
                                 gtk_list_item_get_item (item));
}

static void
credential_factory_unbind (GtkSignalListItemFactory *factory,
                           GtkListItem              *item,
                           CmtWindow                *self)
{
  cmt_credential_row_set_object (CMT_CREDENTIAL_ROW (gtk_list_item_get_child (item)), NULL);
}

static void
attach_credential_model (CmtWindow      *self,
                         GtkListView    *list_view,
                         CmtObjectModel *model)
{
  g_autoptr(GtkListItemFactory) factory = gtk_signal_list_item_factory_new ();
  GtkSorter *sorter = GTK_SORTER (gtk_custom_sorter_new (compare_credentials, NULL, NULL));
  GtkSortListModel *sorted = gtk_sort_list_model_new (G_LIST_MODEL (g_object_ref (model)), sorter);
  g_autoptr(GtkNoSelection) selection = gtk_no_selection_new (G_LIST_MODEL (sorted));

  g_signal_connect (factory, "setup", G_CALLBACK (credential_factory_setup), self);
  g_signal_connect (factory, "bind", G_CALLBACK (credential_factory_bind), self);
  g_signal_connect (factory, "unbind", G_CALLBACK (credential_factory_unbind), self);
  gtk_list_view_set_factory (list_view, factory);
  gtk_list_view_set_model (list_view, GTK_SELECTION_MODEL (selection));
}

static void
on_credential_list_mapped (GtkListView *list_view,
                           CmtWindow   *self)
{
  CmtObjectModel *model = list_view == self->accounts_list ? self->accounts : self->servers;

  g_signal_handlers_disconnect_by_func (list_view, on_credential_list_mapped, self);
  if (model != NULL && gtk_list_view_get_model (list_view) == NULL)
    attach_credential_model (self, list_view, model);
}

/*
 * A list view builds up to two hundred rows as soon as it has a model, shown
 * or not: the Cloud Accounts and Servers pages get theirs when first shown,
 * so that a window with a thousand connections builds only the rows it shows.
 */
static void
set_credential_model (CmtWindow      *self,
                      GtkListView    *list_view,
                      CmtObjectModel *model)
{
  g_signal_handlers_disconnect_by_func (list_view, on_credential_list_mapped, self);
  if (gtk_widget_get_mapped (GTK_WIDGET (list_view)))
    attach_credential_model (self, list_view, model);
  else
    g_signal_connect (list_view, "map", G_CALLBACK (on_credential_list_mapped), self);
}

/*
 * A list view builds up to two hundred rows as soon as it has a model. The
 * first frame gets the rows a window shows (a maximised one about fifteen),
 * then each frame after it MORE_ROWS more, until the slice is the whole list.
 */
#define FIRST_ROWS 24
#define MORE_ROWS 24

static void
stop_growing (CmtWindow *self)
{
  if (self->grow_tick_id != 0)
    gtk_widget_remove_tick_callback (GTK_WIDGET (self->list_view), self->grow_tick_id);
  self->grow_tick_id = 0;
}

static void
show_all_rows (CmtWindow *self)
{
  stop_growing (self);
  if (self->shown != NULL)
    gtk_slice_list_model_set_size (self->shown, G_MAXUINT);
}

static gboolean
grow_shown (GtkWidget     *widget,
            GdkFrameClock *frame_clock,
            gpointer       user_data)
{
  CmtWindow *self = user_data;
  guint size = gtk_slice_list_model_get_size (self->shown);

  /* Called before each frame's layout: the first is the frame that shows the first rows. */
  if (self->grow_frames++ == 0)
    return G_SOURCE_CONTINUE;
  if (size >= g_list_model_get_n_items (G_LIST_MODEL (self->sorted)))
    {
      self->grow_tick_id = 0;
      gtk_slice_list_model_set_size (self->shown, G_MAXUINT);
      return G_SOURCE_REMOVE;
    }
  gtk_slice_list_model_set_size (self->shown, size + MORE_ROWS);
  return G_SOURCE_CONTINUE;
}

static void
clear_models (CmtWindow *self)
{
  gtk_list_view_set_model (self->list_view, NULL);
  gtk_list_view_set_factory (self->list_view, NULL);
  g_signal_handlers_disconnect_by_func (self->accounts_list, on_credential_list_mapped, self);
  g_signal_handlers_disconnect_by_func (self->servers_list, on_credential_list_mapped, self);
  gtk_list_view_set_model (self->accounts_list, NULL);
  gtk_list_view_set_factory (self->accounts_list, NULL);
  gtk_list_view_set_model (self->servers_list, NULL);
  gtk_list_view_set_factory (self->servers_list, NULL);
  if (self->connections != NULL)
    g_signal_handlers_disconnect_by_data (self->connections, self);
  if (self->accounts != NULL)
    g_signal_handlers_disconnect_by_data (self->accounts, self);
  if (self->servers != NULL)
    g_signal_handlers_disconnect_by_data (self->servers, self);
  if (self->sorted != NULL)
    g_signal_handlers_disconnect_by_data (self->sorted, self);
  if (self->manager != NULL)
    g_signal_handlers_disconnect_by_data (self->manager, self);
  if (self->manager_iface != NULL)
    g_signal_handlers_disconnect_by_data (self->manager_iface, self);
  g_clear_object (&self->manager_iface);
  stop_growing (self);
  g_clear_object (&self->selection);
  g_clear_object (&self->shown);
  g_clear_object (&self->sorted);
  g_clear_object (&self->sorter);
  g_clear_object (&self->filtered);
  g_clear_object (&self->filter);
  g_clear_object (&self->connections);
  g_clear_object (&self->accounts);
  g_clear_object (&self->servers);
  g_clear_object (&self->manager);
}

void
cmt_window_set_object_manager (CmtWindow          *self,
                               GDBusObjectManager *manager,
                               const GError       *error)
{
  static const char * const resort_properties[] = {
    "status", "expires-at", "attention-needed", "label", NULL
  };
  g_autoptr(GtkListItemFactory) factory = NULL;

  g_return_if_fail (CMT_IS_WINDOW (self));

  clear_models (self);
  g_clear_error (&self->service_error);
  if (error != NULL)
    self->service_error = g_error_copy (error);

  if (manager == NULL)
    {
      update_state (self);
      return;
    }

  self->manager = g_object_ref (manager);
  self->connections = cmt_object_model_new (manager, CMT_CONNECTION_INTERFACE, resort_properties);
  /* A credential's state shows on the connections renewing with it too. */
  self->accounts = cmt_object_model_new (manager, CMT_CLOUD_ACCOUNT_INTERFACE,
                                         (const char * const []) { "attention-needed", "status", "label", NULL });
  self->servers = cmt_object_model_new (manager, CMT_SERVER_INTERFACE,
                                        (const char * const []) { "attention-needed", "status", "label", NULL });

  self->filter = GTK_FILTER (gtk_custom_filter_new (filter_connection, self, NULL));
  self->filtered = gtk_filter_list_model_new (G_LIST_MODEL (g_object_ref (self->connections)),
                                              g_object_ref (self->filter));
  self->sorter = cmt_connection_sorter_new (manager);
  self->sorted = gtk_sort_list_model_new (G_LIST_MODEL (g_object_ref (self->filtered)),
                                          g_object_ref (self->sorter));
  self->shown = gtk_slice_list_model_new (G_LIST_MODEL (g_object_ref (self->sorted)), 0, FIRST_ROWS);
  self->grow_frames = 0;
  self->grow_tick_id = gtk_widget_add_tick_callback (GTK_WIDGET (self->list_view), grow_shown, self, NULL);
  self->selection = gtk_single_selection_new (G_LIST_MODEL (g_object_ref (self->shown)));
  gtk_single_selection_set_autoselect (self->selection, FALSE);
  gtk_single_selection_set_can_unselect (self->selection, TRUE);
  gtk_single_selection_set_selected (self->selection, GTK_INVALID_LIST_POSITION);

  factory = gtk_signal_list_item_factory_new ();
  g_signal_connect (factory, "setup", G_CALLBACK (factory_setup), self);
  g_signal_connect (factory, "bind", G_CALLBACK (factory_bind), self);
  g_signal_connect (factory, "unbind", G_CALLBACK (factory_unbind), self);
  gtk_list_view_set_factory (self->list_view, factory);
  gtk_list_view_set_model (self->list_view, GTK_SELECTION_MODEL (self->selection));

  set_credential_model (self, self->accounts_list, self->accounts);
  set_credential_model (self, self->servers_list, self->servers);

  g_signal_connect_swapped (self->sorted, "items-changed", G_CALLBACK (queue_update_state), self);
  g_signal_connect_swapped (self->accounts, "items-changed", G_CALLBACK (on_credentials_changed), self);
  g_signal_connect_swapped (self->servers, "items-changed", G_CALLBACK (on_credentials_changed), self);
  g_signal_connect_swapped (manager, "object-added", G_CALLBACK (on_objects_changed), self);
  g_signal_connect_swapped (manager, "object-removed", G_CALLBACK (on_objects_changed), self);
  if (G_IS_DBUS_OBJECT_MANAGER_CLIENT (manager))
    g_signal_connect_swapped (manager, "notify::name-owner", G_CALLBACK (on_name_owner_changed), self);

  track_manager_iface (self);
  update_state (self);
  if (service_reachable (self))
    flush_pending (self);
}

/* --- finding and showing one connection --- */

static GDBusObject *
find_connection (CmtWindow  *self,
                 const char *id)
{
  if (self->connections == NULL)
    return NULL;
  return cmt_object_model_find_by_id (self->connections, id, NULL);
}

static guint
shown_position (CmtWindow   *self,
                GDBusObject *object)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->sorted));

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(GObject) item = g_list_model_get_item (G_LIST_MODEL (self->sorted), i);
      if (item == (GObject *) object)
        return i;
    }
  return GTK_INVALID_LIST_POSITION;
}

static void
toast_unknown_connection (CmtWindow  *self,
                          const char *id)
{
  g_autofree char *message = NULL;

  /* Translators: %s is a connection's id, e.g. "jira_example_com_acme". */
  message = g_strdup_printf (_("There is no connection “%s” (any more)"), id);
  cmt_window_add_toast (self, message);
}

void
cmt_window_show_connection (CmtWindow  *self,
                            const char *id)
{
  GDBusObject *object;
  guint position;

  g_return_if_fail (CMT_IS_WINDOW (self));

  gtk_window_present (GTK_WINDOW (self));
  if (!service_reachable (self))
    {
      g_free (self->pending_show);
      self->pending_show = g_strdup (id);
      return;
    }

  object = find_connection (self, id);
  if (object == NULL)
    {
      toast_unknown_connection (self, id);
      return;
    }

  adw_view_stack_set_visible_child_name (self->view_stack, "connections");
  position = shown_position (self, object);
  if (position == GTK_INVALID_LIST_POSITION)
    {
      /* Hidden by the search: show everything again. */
      gtk_editable_set_text (self->search_entry, "");
      gtk_drop_down_set_selected (self->state_filter, STATE_FILTER_ALL);
      gtk_search_bar_set_search_mode (self->search_bar, FALSE);
      on_search_changed (self);
      position = shown_position (self, object);
    }
  if (position == GTK_INVALID_LIST_POSITION)
    return;

  show_all_rows (self);
  gtk_single_selection_set_selected (self->selection, position);
  gtk_widget_activate_action (GTK_WIDGET (self->list_view), "list.scroll-to-item", "u", position);
}

/* Where the keyboard goes when a renewal dialog closes: back to the Renew
 * button of its connection's row (looked up again: the list may have moved it). */
typedef struct {
  GWeakRef  window;
  char     *path;
} FocusBack;

static void
focus_back_free (gpointer data)
{
  FocusBack *back = data;

  g_weak_ref_clear (&back->window);
  g_free (back->path);
  g_free (back);
}

static gboolean
focus_renew_button (gpointer user_data)
{
  FocusBack *back = user_data;
  g_autoptr(CmtWindow) self = g_weak_ref_get (&back->window);

  if (self == NULL || self->rows == NULL)
    return G_SOURCE_REMOVE;
  for (guint i = 0; i < self->rows->len; i++)
    {
      gpointer row = g_ptr_array_index (self->rows, i);
      GDBusObject *object = CMT_IS_CONNECTION_ROW (row) ? cmt_connection_row_get_object (row) : NULL;

      if (object != NULL && g_str_equal (g_dbus_object_get_object_path (object), back->path) &&
          gtk_widget_get_mapped (GTK_WIDGET (row)))
        {
          gtk_widget_grab_focus (cmt_connection_row_get_renew_button (row));
          break;
        }
    }
  return G_SOURCE_REMOVE;
}

static gboolean
on_renewal_closed (CmtWindow *self,
                   GtkWindow *dialog)
{
  const char *path = g_object_get_data (G_OBJECT (dialog), "cmt-object-path");
  FocusBack *back;

  if (path == NULL)
    return FALSE;
  back = g_new0 (FocusBack, 1);
  g_weak_ref_init (&back->window, self);
  back->path = g_strdup (path);
  /* Once the dialog is gone and the window has the focus again. */
  g_idle_add_full (G_PRIORITY_LOW, focus_renew_button, back, focus_back_free);
  return FALSE;
}

static void
open_renewal (CmtWindow  *self,
              const char *id,
              gboolean    in_browser)
{
  GDBusObject *object;
  GtkWindow *dialog;

  if (!service_reachable (self))
    {
      gtk_window_present (GTK_WINDOW (self));
      g_free (self->pending_renew);
      self->pending_renew = g_strdup (id);
      return;
    }

  cmt_window_show_connection (self, id);
  object = find_connection (self, id);
  if (object == NULL)
    return;

  if (!CMT_IS_OBJECT_MANAGER_CLIENT (self->manager))
    {
      g_warning ("Renewing needs the service's object manager client");
      return;
    }
  dialog = cmt_renew_dialog_new (GTK_WINDOW (self), CMT_OBJECT_MANAGER_CLIENT (self->manager),
                                 g_dbus_object_get_object_path (object));
  /* "Renew in the Browser…": straight to the manual steps. */
  if (in_browser)
    gtk_widget_activate_action (GTK_WIDGET (dialog), "flow.manual", NULL);
  g_object_set_data_full (G_OBJECT (dialog), "cmt-object-path",
                          g_strdup (g_dbus_object_get_object_path (object)), g_free);
  g_signal_connect_object (dialog, "close-request", G_CALLBACK (on_renewal_closed), self, G_CONNECT_SWAPPED);
  gtk_window_present (dialog);
}

void
cmt_window_renew_connection (CmtWindow  *self,
                             const char *id)
{
  g_return_if_fail (CMT_IS_WINDOW (self));
  open_renewal (self, id, FALSE);
}

/* A row's "Automatic Renewal…": the preferences, at their page for it
 * (the row menu shows no accelerator: Ctrl+, opens the first page). */
static void
main_auto_renew (GtkWidget  *widget,
                 const char *action_name,
                 GVariant   *parameter)
{
  CmtWindow *self = CMT_WINDOW (widget);
  GtkWindow *preferences;

  if (self->manager == NULL)
    return;
  preferences = cmt_preferences_window_new (GTK_WINDOW (self), self->manager);
  adw_preferences_window_set_visible_page_name (ADW_PREFERENCES_WINDOW (preferences), "auto-renew");
  gtk_window_present (preferences);
}

static void
main_connection_history (GtkWidget  *widget,
                         const char *action_name,
                         GVariant   *parameter)
{
  CmtWindow *self = CMT_WINDOW (widget);
  GDBusObject *object = find_connection (self, g_variant_get_string (parameter, NULL));
  g_autofree char *title = NULL;

  if (object == NULL)
    {
      toast_unknown_connection (self, g_variant_get_string (parameter, NULL));
      return;
    }
  title = cmt_wording_connection_title (self->manager, cmt_object_peek_connection (CMT_OBJECT (object)));
  gtk_window_present (cmt_history_dialog_new (GTK_WINDOW (self), self->manager,
                                              g_dbus_object_get_object_path (object), title));
}

static void
main_renew_all (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  CmtWindow *self = CMT_WINDOW (widget);
  g_autoptr(GPtrArray) picked = NULL;

  if (self->manager == NULL || !service_reachable (self))
    return;
  picked = cmt_bulk_renew_dialog_pick (self->manager);
  if (picked->len == 0)
    {
      cmt_window_add_toast (self, _("No connection needs renewing"));
      return;
    }
  gtk_window_present (cmt_bulk_renew_dialog_new (GTK_WINDOW (self), self->manager, picked));
}

static void
main_renew_in_browser (GtkWidget  *widget,
                       const char *action_name,
                       GVariant   *parameter)
{
  open_renewal (CMT_WINDOW (widget), g_variant_get_string (parameter, NULL), TRUE);
}

void
cmt_window_add_toast (CmtWindow  *self,
                      const char *message)
{
  AdwToast *toast;

  g_return_if_fail (CMT_IS_WINDOW (self));

  toast = adw_toast_new (message);
  /* Errors from the service say what to do: leave time to read them. */
  adw_toast_set_timeout (toast, g_utf8_strlen (message, -1) > 60 ? 10 : 5);
  adw_toast_overlay_add_toast (self->toast_overlay, toast);
}

/* --- actions --- */

static void
add_connection (GSimpleAction *action,
                GVariant      *parameter,
                gpointer       user_data)
{
  CmtWindow *self = user_data;
  GtkWindow *dialog;

  if (!service_reachable (self) || !CMT_IS_OBJECT_MANAGER_CLIENT (self->manager))
    {
      cmt_window_add_toast (self, _("Connections can be added once the service is running"));
      return;
    }
  dialog = cmt_add_connection_dialog_new (GTK_WINDOW (self), CMT_OBJECT_MANAGER_CLIENT (self->manager));
  gtk_window_present (dialog);
}

static void
toggle_search (GSimpleAction *action,
               GVariant      *parameter,
               gpointer       user_data)
{
  CmtWindow *self = user_data;
  gboolean on = !gtk_search_bar_get_search_mode (self->search_bar);

  if (on)
    adw_view_stack_set_visible_child_name (self->view_stack, "connections");
  gtk_search_bar_set_search_mode (self->search_bar, on);
  if (on)
    gtk_widget_grab_focus (GTK_WIDGET (self->search_entry));
}

static void
show_page (GSimpleAction *action,
           GVariant      *parameter,
           gpointer       user_data)
{
  CmtWindow *self = user_data;

  adw_view_stack_set_visible_child_name (self->view_stack, g_variant_get_string (parameter, NULL));
}

static void
main_renew_connection (GtkWidget  *widget,
                       const char *action_name,
                       GVariant   *parameter)
{
  cmt_window_renew_connection (CMT_WINDOW (widget), g_variant_get_string (parameter, NULL));
}

static void
main_toast (GtkWidget  *widget,
            const char *action_name,
            GVariant   *parameter)
{
  cmt_window_add_toast (CMT_WINDOW (widget), g_variant_get_string (parameter, NULL));
}

/* A call's outcome as a toast: @done_message on success, the service's message otherwise. */
typedef struct
{
  CmtWindow *window;
  char      *done_message;
  char      *error_heading;   /* when set, errors get a dialog instead of a toast */
} CallData;

static void
call_data_free (CallData *data)
{
  g_object_unref (data->window);
  g_free (data->done_message);
  g_free (data->error_heading);
  g_free (data);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CallData, call_data_free)

static CallData *
call_data_new (CmtWindow  *self,
               char       *done_message,
               const char *error_heading)
{
  CallData *data = g_new0 (CallData, 1);

  data->window = g_object_ref (self);
  data->done_message = done_message;
  data->error_heading = g_strdup (error_heading);
  return data;
}

/* @error is the caller's: cmt_error_from_dbus() may replace it. */
static void
call_finished (CallData  *data,
               GError   **error)
{
  if (*error == NULL)
    {
      cmt_window_add_toast (data->window, data->done_message);
      return;
    }
  if (g_error_matches (*error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  cmt_error_from_dbus (error);
  if (data->error_heading != NULL)
    {
      GtkWidget *dialog = adw_message_dialog_new (GTK_WINDOW (data->window),
                                                  data->error_heading, (*error)->message);
      adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (dialog), "close", _("_Close"));
      gtk_window_present (GTK_WINDOW (dialog));
    }
  else
    cmt_window_add_toast (data->window, (*error)->message);
}

static void
mark_renewed_done (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(CallData) data = user_data;
  g_autoptr(GError) error = NULL;

  cmt_connection_call_mark_renewed_finish (CMT_CONNECTION (source), result, &error);
  call_finished (data, &error);
}

static void
on_mark_renewed_response (AdwMessageDialog *dialog,
                          const char       *response,
                          CmtWindow        *self)
{
  GtkCalendar *calendar = GTK_CALENDAR (adw_message_dialog_get_extra_child (dialog));
  const char *path = g_object_get_data (G_OBJECT (dialog), "cmt-object-path");
  g_autoptr(GDateTime) date = NULL;
  g_autoptr(GDateTime) today = NULL;
  g_autoptr(GDBusInterface) iface = NULL;
  g_autofree char *title = NULL;
  gint64 renewed_at = 0;

  if (!g_str_equal (response, "mark") || self->manager == NULL)
    return;
  iface = g_dbus_object_manager_get_interface (self->manager, path, CMT_CONNECTION_INTERFACE);
  if (iface == NULL)
    return;

  date = gtk_calendar_get_date (calendar);
  today = g_date_time_new_now_local ();
  if (g_date_time_get_year (date) != g_date_time_get_year (today) ||
      g_date_time_get_day_of_year (date) != g_date_time_get_day_of_year (today))
    {
      /* The hour is not known: the start of that day errs on the early side. */
      g_autoptr(GDateTime) day = g_date_time_new_local (g_date_time_get_year (date),
                                                        g_date_time_get_month (date),
                                                        g_date_time_get_day_of_month (date), 0, 0, 0);
      renewed_at = g_date_time_to_unix (day);
    }

  title = cmt_wording_connection_title (self->manager, CMT_CONNECTION (iface));
  cmt_connection_call_mark_renewed (CMT_CONNECTION (iface), renewed_at, self->cancellable,
                                    mark_renewed_done,
                                    /* Translators: %s is "jira.example.com → acme.atlassian.net". */
                                    call_data_new (self, g_strdup_printf (_("%s is marked as renewed"), title),
                                                   NULL));
}

/* A renewal cannot have happened in the future: such a day cannot be chosen. */
static void
on_mark_day_selected (GtkCalendar      *calendar,
                      AdwMessageDialog *dialog)
{
  g_autoptr(GDateTime) date = gtk_calendar_get_date (calendar);
  g_autoptr(GDateTime) today = g_date_time_new_now_local ();
  int chosen = g_date_time_get_year (date) * 1000 + g_date_time_get_day_of_year (date);
  int now = g_date_time_get_year (today) * 1000 + g_date_time_get_day_of_year (today);

  adw_message_dialog_set_response_enabled (dialog, "mark", chosen <= now);
}

static void
main_mark_renewed (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  CmtWindow *self = CMT_WINDOW (widget);
  GDBusObject *object = find_connection (self, g_variant_get_string (parameter, NULL));
  g_autofree char *title = NULL;
  g_autofree char *body = NULL;
  GtkWidget *dialog;
  GtkWidget *calendar;

  if (object == NULL)
    {
      toast_unknown_connection (self, g_variant_get_string (parameter, NULL));
      return;
    }

  title = cmt_wording_connection_title (self->manager, cmt_object_peek_connection (CMT_OBJECT (object)));
  /* Translators: %s is "jira.example.com → acme.atlassian.net". */
  body = g_strdup_printf (_("Did you renew the container token of %s in the server’s web pages? "
                            "Choose the day you did it: the token’s lifetime counts from then."),
                          title);
  dialog = adw_message_dialog_new (GTK_WINDOW (self), _("Mark as Renewed?"), body);
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog),
                                    "cancel", _("_Cancel"),
                                    "mark", _("_Mark as Renewed"),
                                    NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "mark", ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "mark");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");

  calendar = cmt_flows_calendar_new ();
  gtk_widget_set_halign (calendar, GTK_ALIGN_CENTER);
  gtk_accessible_update_property (GTK_ACCESSIBLE (calendar), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Day of the renewal"), -1);
  adw_message_dialog_set_extra_child (ADW_MESSAGE_DIALOG (dialog), calendar);
  g_signal_connect_object (calendar, "day-selected", G_CALLBACK (on_mark_day_selected), dialog, 0);

  g_object_set_data_full (G_OBJECT (dialog), "cmt-object-path",
                          g_strdup (g_dbus_object_get_object_path (object)), g_free);
  g_signal_connect_object (dialog, "response", G_CALLBACK (on_mark_renewed_response), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
set_label_done (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(CallData) data = user_data;
  g_autoptr(GError) error = NULL;

  cmt_connection_call_set_label_finish (CMT_CONNECTION (source), result, &error);
  call_finished (data, &error);
}

static void
on_label_response (AdwMessageDialog *dialog,
                   const char       *response,
                   CmtWindow        *self)
{
  GtkEditable *entry = GTK_EDITABLE (adw_message_dialog_get_extra_child (dialog));
  const char *path = g_object_get_data (G_OBJECT (dialog), "cmt-object-path");
  g_autoptr(GDBusInterface) iface = NULL;
  const char *label = gtk_editable_get_text (entry);

  if (!g_str_equal (response, "save") || self->manager == NULL)
    return;
  iface = g_dbus_object_manager_get_interface (self->manager, path, CMT_CONNECTION_INTERFACE);
  if (iface == NULL)
    return;
  cmt_connection_call_set_label (CMT_CONNECTION (iface), label, self->cancellable, set_label_done,
                                 call_data_new (self, g_strdup (*label != '\0' ? _("Label saved")
                                                                                : _("Label removed")),
                                                _("The Label Was Not Saved")));
}

static void
main_label_connection (GtkWidget  *widget,
                       const char *action_name,
                       GVariant   *parameter)
{
  CmtWindow *self = CMT_WINDOW (widget);
  GDBusObject *object = find_connection (self, g_variant_get_string (parameter, NULL));
  CmtConnection *connection;
  g_autofree char *title = NULL;
  g_autofree char *body = NULL;
  GtkWidget *dialog;
  GtkWidget *entry;

  if (object == NULL)
    {
      toast_unknown_connection (self, g_variant_get_string (parameter, NULL));
      return;
    }
  connection = cmt_object_peek_connection (CMT_OBJECT (object));

  title = cmt_wording_connection_title (self->manager, connection);
  /* Translators: %s is "jira.example.com → acme.atlassian.net". */
  body = g_strdup_printf (_("A name of your own for %s, shown first in the list and found by the search, "
                            "such as “Production Jira”. Leave it empty to remove it."), title);
  dialog = adw_message_dialog_new (GTK_WINDOW (self), _("Label the Connection"), body);
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog),
                                    "cancel", _("_Cancel"),
                                    "save", _("_Save"),
                                    NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "save", ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "save");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");

  entry = gtk_entry_new ();
  /* The service's limit: one line of 64 characters. */
  gtk_entry_set_max_length (GTK_ENTRY (entry), 64);
  gtk_entry_set_activates_default (GTK_ENTRY (entry), TRUE);
  gtk_editable_set_text (GTK_EDITABLE (entry),
                         cmt_connection_get_label (connection) != NULL ? cmt_connection_get_label (connection) : "");
  gtk_accessible_update_property (GTK_ACCESSIBLE (entry), GTK_ACCESSIBLE_PROPERTY_LABEL, _("Label"), -1);
  adw_message_dialog_set_extra_child (ADW_MESSAGE_DIALOG (dialog), entry);

  g_object_set_data_full (G_OBJECT (dialog), "cmt-object-path",
                          g_strdup (g_dbus_object_get_object_path (object)), g_free);
  g_signal_connect_object (dialog, "response", G_CALLBACK (on_label_response), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
  gtk_widget_grab_focus (entry);
}

static void
remove_done (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(CallData) data = user_data;
  g_autoptr(GError) error = NULL;

  if (CMT_IS_CONNECTION (source))
    cmt_connection_call_remove_finish (CMT_CONNECTION (source), result, &error);
  else if (CMT_IS_CLOUD_ACCOUNT (source))
    cmt_cloud_account_call_remove_finish (CMT_CLOUD_ACCOUNT (source), result, &error);
  else
    cmt_server_call_remove_finish (CMT_SERVER (source), result, &error);
  call_finished (data, &error);
}

static void
on_remove_response (AdwMessageDialog *dialog,
                    const char       *response,
                    CmtWindow        *self)
{
  const char *path = g_object_get_data (G_OBJECT (dialog), "cmt-object-path");
  const char *done = g_object_get_data (G_OBJECT (dialog), "cmt-done-message");
  g_autoptr(GDBusObject) object = NULL;
  CmtObject *cmt_object;

  if (!g_str_equal (response, "remove") || self->manager == NULL)
    return;
  object = g_dbus_object_manager_get_object (self->manager, path);
  if (object == NULL)
    return;
  cmt_object = CMT_OBJECT (object);

  if (cmt_object_peek_connection (cmt_object) != NULL)
    cmt_connection_call_remove (cmt_object_peek_connection (cmt_object), self->cancellable, remove_done,
                                call_data_new (self, g_strdup (done), NULL));
  else if (cmt_object_peek_cloud_account (cmt_object) != NULL)
    cmt_cloud_account_call_remove (cmt_object_peek_cloud_account (cmt_object), self->cancellable, remove_done,
                                   call_data_new (self, g_strdup (done),
                                                  _("The Cloud Account Was Not Removed")));
  else if (cmt_object_peek_server (cmt_object) != NULL)
    cmt_server_call_remove (cmt_object_peek_server (cmt_object), self->cancellable, remove_done,
                            call_data_new (self, g_strdup (done), _("The Server Was Not Removed")));
}

static void
confirm_remove (CmtWindow   *self,
                GDBusObject *object,
                const char  *heading,
                const char  *body,
                char        *done_message)
{
  GtkWidget *dialog = adw_message_dialog_new (GTK_WINDOW (self), heading, body);

  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog),
                                    "cancel", _("_Cancel"),
                                    "remove", _("_Remove"),
                                    NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "remove", ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  g_object_set_data_full (G_OBJECT (dialog), "cmt-object-path",
                          g_strdup (g_dbus_object_get_object_path (object)), g_free);
  g_object_set_data_full (G_OBJECT (dialog), "cmt-done-message", done_message, g_free);
  g_signal_connect_object (dialog, "response", G_CALLBACK (on_remove_response), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
main_remove_connection (GtkWidget  *widget,
                        const char *action_name,
                        GVariant   *parameter)
{
  CmtWindow *self = CMT_WINDOW (widget);
  GDBusObject *object = find_connection (self, g_variant_get_string (parameter, NULL));
  g_autofree char *title = NULL;
  g_autofree char *body = NULL;

  if (object == NULL)
    {
      toast_unknown_connection (self, g_variant_get_string (parameter, NULL));
      return;
    }
  title = cmt_wording_connection_title (self->manager, cmt_object_peek_connection (CMT_OBJECT (object)));
  /* Translators: %s is "jira.example.com → acme.atlassian.net". */
  body = g_strdup_printf (_("The service will stop watching the container token of %s. "
                            "The token on the server stays as it is."), title);
  confirm_remove (self, object, _("Remove Connection?"), body,
                  /* Translators: %s is "jira.example.com → acme.atlassian.net". */
                  g_strdup_printf (_("%s was removed"), title));
}

static GDBusObject *
object_at (CmtWindow  *self,
           const char *path)
{
  if (self->manager == NULL || !g_variant_is_object_path (path))
    return NULL;
  return g_dbus_object_manager_get_object (self->manager, path);
}

static void
main_remove_credential (GtkWidget  *widget,
                        const char *action_name,
                        GVariant   *parameter)
{
  CmtWindow *self = CMT_WINDOW (widget);
  g_autoptr(GDBusObject) object = object_at (self, g_variant_get_string (parameter, NULL));
  g_autofree char *body = NULL;
  CmtCloudAccount *account;
  CmtServer *server;

  if (object == NULL || !CMT_IS_OBJECT (object))
    return;

  account = cmt_object_peek_cloud_account (CMT_OBJECT (object));
  server = cmt_object_peek_server (CMT_OBJECT (object));
  if (account != NULL)
    {
      const char *email = cmt_cloud_account_get_email (account);

      /* Translators: %s is an email address. */
      body = g_strdup_printf (_("The API token of %s will be deleted from your keyring. "
                                "Connections that renew with this account must be removed first."),
                              email);
      confirm_remove (self, object, _("Remove Cloud Account?"), body,
                      /* Translators: %s is an email address. */
                      g_strdup_printf (_("%s was removed"), email));
    }
  else if (server != NULL)
    {
      g_autofree char *name = cmt_url_display (cmt_server_get_base_url (server));

      /* Translators: %s is a server, "jira.example.com". */
      body = g_strdup_printf (_("The credential of %s will be deleted from your keyring. "
                                "Its connections must be removed first."), name);
      confirm_remove (self, object, _("Remove Server?"), body,
                      /* Translators: %s is a server, "jira.example.com". */
                      g_strdup_printf (_("%s was removed"), name));
    }
}

static void
main_replace_credential (GtkWidget  *widget,
                         const char *action_name,
                         GVariant   *parameter)
{
  CmtWindow *self = CMT_WINDOW (widget);
  g_autoptr(GDBusObject) object = object_at (self, g_variant_get_string (parameter, NULL));

  if (object == NULL || !CMT_IS_OBJECT (object))
    return;
  gtk_window_present (cmt_credential_dialog_new (GTK_WINDOW (self), object));
}

static void
start_service_done (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(CmtWindow) self = user_data;
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;

  reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  g_clear_error (&self->service_error);
  if (error != NULL)
    {
      g_dbus_error_strip_remote_error (error);
      self->service_error = g_steal_pointer (&error);
    }
  /* On success the name owner changes and the objects arrive by themselves. */
  update_state (self);
}

static void
main_retry (GtkWidget  *widget,
            const char *action_name,
            GVariant   *parameter)
{
  CmtWindow *self = CMT_WINDOW (widget);

  if (self->manager != NULL && G_IS_DBUS_OBJECT_MANAGER_CLIENT (self->manager))
    {
      GDBusObjectManagerClient *client = G_DBUS_OBJECT_MANAGER_CLIENT (self->manager);

      g_dbus_connection_call (g_dbus_object_manager_client_get_connection (client),
                              "org.freedesktop.DBus", "/org/freedesktop/DBus",
                              "org.freedesktop.DBus", "StartServiceByName",
                              g_variant_new ("(su)", g_dbus_object_manager_client_get_name (client), 0),
                              G_VARIANT_TYPE ("(u)"), G_DBUS_CALL_FLAGS_NONE, -1,
                              self->cancellable, start_service_done, g_object_ref (self));
    }
  else
    /* The object manager itself could not be made: the application makes it again. */
    gtk_widget_activate_action (widget, "app.reconnect", NULL);
}

static const GActionEntry win_entries[] = {
  { "add-connection", add_connection, NULL, NULL, NULL, { 0 } },
  { "search", toggle_search, NULL, NULL, NULL, { 0 } },
  { "show-page", show_page, "s", NULL, NULL, { 0 } },
};

/* --- the object --- */

static void
cmt_window_dispose (GObject *object)
{
  CmtWindow *self = CMT_WINDOW (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_handle_id (&self->tick_id, g_source_remove);
  stop_growing (self);
  g_clear_handle_id (&self->update_idle_id, g_source_remove);
  clear_models (self);
  gtk_widget_dispose_template (GTK_WIDGET (self), CMT_TYPE_WINDOW);
  for (guint i = 0; self->rows != NULL && i < self->rows->len; i++)
    g_object_weak_unref (g_ptr_array_index (self->rows, i), row_finalized, self);
  g_clear_pointer (&self->rows, g_ptr_array_unref);

  G_OBJECT_CLASS (cmt_window_parent_class)->dispose (object);
}

static void
cmt_window_finalize (GObject *object)
{
  CmtWindow *self = CMT_WINDOW (object);

  g_clear_error (&self->service_error);
  g_free (self->pending_show);
  g_free (self->pending_renew);

  G_OBJECT_CLASS (cmt_window_parent_class)->finalize (object);
}

static void
cmt_window_class_init (CmtWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = cmt_window_dispose;
  object_class->finalize = cmt_window_finalize;

  cmt_gui_ensure_resources ();
  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/cmatoken/cmt-window.ui");
  gtk_widget_class_bind_template_child (widget_class, CmtWindow, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, CmtWindow, switcher_title);
  gtk_widget_class_bind_template_child (widget_class, CmtWindow, search_button);
  gtk_widget_class_bind_template_child (widget_class, CmtWindow, search_bar);
  gtk_widget_class_bind_template_child (widget_class, CmtWindow, search_entry);
  gtk_widget_class_bind_template_child (widget_class, CmtWindow, keyring_revealer);
  gtk_widget_class_bind_template_child (widget_class, CmtWindow, keyring_title);
  gtk_widget_class_bind_template_child (widget_class, CmtWindow, keyring_body);
  gtk_widget_class_bind_template_child (widget_class, CmtWindow, main_stack);
  gtk_widget_class_bind_template_child (widget_class, CmtWindow, loading_spinner);
  gtk_widget_class_bind_template_child (widget_class, CmtWindow, no_service_detail);
  gtk_widget_class_bind_template_child (widget_class, CmtWindow, view_stack);
  gtk_widget_class_bind_template_child (widget_class, CmtWindow, connections_page);
  gtk_widget_class_bind_template_child (widget_class, CmtWindow, accounts_page);
  gtk_widget_class_bind_template_child (widget_class, CmtWindow, servers_page);
  gtk_widget_class_bind_template_child (widget_class, CmtWindow, connections_stack);
  gtk_widget_class_bind_template_child (widget_class, CmtWindow, summary_label);
  gtk_widget_class_bind_template_child (widget_class, CmtWindow, state_filter);
  gtk_widget_class_bind_template_child (widget_class, CmtWindow, renew_all_button);
  gtk_widget_class_bind_template_child (widget_class, CmtWindow, list_view);
  gtk_widget_class_bind_template_child (widget_class, CmtWindow, accounts_stack);
  gtk_widget_class_bind_template_child (widget_class, CmtWindow, accounts_list);
  gtk_widget_class_bind_template_child (widget_class, CmtWindow, servers_stack);
  gtk_widget_class_bind_template_child (widget_class, CmtWindow, servers_list);

  /* Internal, with arguments; not exported on D-Bus like the "win." map. */
  gtk_widget_class_install_action (widget_class, "main.renew-connection", "s", main_renew_connection);
  gtk_widget_class_install_action (widget_class, "main.renew-in-browser", "s", main_renew_in_browser);
  gtk_widget_class_install_action (widget_class, "main.renew-all", NULL, main_renew_all);
  gtk_widget_class_install_action (widget_class, "main.auto-renew", "s", main_auto_renew);
  gtk_widget_class_install_action (widget_class, "main.connection-history", "s", main_connection_history);
  gtk_widget_class_install_action (widget_class, "main.mark-renewed", "s", main_mark_renewed);
  gtk_widget_class_install_action (widget_class, "main.remove-connection", "s", main_remove_connection);
  gtk_widget_class_install_action (widget_class, "main.label-connection", "s", main_label_connection);
  gtk_widget_class_install_action (widget_class, "main.replace-credential", "s", main_replace_credential);
  gtk_widget_class_install_action (widget_class, "main.remove-credential", "s", main_remove_credential);
  gtk_widget_class_install_action (widget_class, "main.toast", "s", main_toast);
  gtk_widget_class_install_action (widget_class, "main.retry", NULL, main_retry);
}

static void
cmt_window_init (CmtWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->rows = g_ptr_array_new ();
  self->cancellable = g_cancellable_new ();
  g_action_map_add_action_entries (G_ACTION_MAP (self), win_entries, G_N_ELEMENTS (win_entries), self);

  gtk_search_bar_connect_entry (self->search_bar, self->search_entry);
  gtk_search_bar_set_key_capture_widget (self->search_bar, GTK_WIDGET (self->list_view));
  g_signal_connect_swapped (self->search_entry, "search-changed", G_CALLBACK (on_search_changed), self);
  g_signal_connect_swapped (self->state_filter, "notify::selected", G_CALLBACK (on_search_changed), self);
  g_signal_connect_swapped (self->search_bar, "notify::search-mode-enabled", G_CALLBACK (on_search_mode_changed), self);

  self->tick_id = g_timeout_add_seconds (TICK_SECONDS, on_tick, self);
  update_state (self);
}

CmtWindow *
cmt_window_new (GtkApplication *application)
{
  return g_object_new (CMT_TYPE_WINDOW, "application", application, NULL);
}

GListModel *
cmt_window_get_connections (CmtWindow *self)
{
  return self->sorted != NULL ? G_LIST_MODEL (self->sorted) : NULL;
}

const char *
cmt_window_get_state (CmtWindow *self)
{
  const char *page = gtk_stack_get_visible_child_name (self->main_stack);
  const char *view;

  if (!g_str_equal (page, "content"))
    return page;
  view = adw_view_stack_get_visible_child_name (self->view_stack);
  if (g_strcmp0 (view, "connections") != 0)
    return view;
  return gtk_stack_get_visible_child_name (self->connections_stack);
}

guint
cmt_window_get_selected (CmtWindow *self)
{
  return self->selection != NULL ? gtk_single_selection_get_selected (self->selection)
                                 : GTK_INVALID_LIST_POSITION;
}

gboolean
cmt_window_get_keyring_warning_shown (CmtWindow *self)
{
  return gtk_revealer_get_reveal_child (self->keyring_revealer);
}
