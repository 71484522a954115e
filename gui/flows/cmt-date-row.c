/* cmt-date-row.c: a preferences row holding an optional date, picked in a calendar */
#include <glib/gi18n.h>

#include "cmt-date-row.h"
#include "cmt-expiry.h"
#include "cmt-flows.h"

struct _CmtDateRow
{
  AdwActionRow parent_instance;

  GtkMenuButton *button;
  GtkCalendar   *calendar;
  GDateTime     *date;
  /* Set while the row moves the calendar itself, so that it is not taken
   * for the admin picking a day. */
  gboolean       syncing;
};

enum {
  PROP_0,
  PROP_DATE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (CmtDateRow, cmt_date_row, ADW_TYPE_ACTION_ROW)

static void
update_button (CmtDateRow *self)
{
  const char *title = adw_preferences_row_get_title (ADW_PREFERENCES_ROW (self));
  g_autofree char *text = NULL;
  g_autofree char *name = NULL;

  if (self->date != NULL)
    text = cmt_expiry_format_date (g_date_time_to_unix (self->date));
  else
    /* Translators: shown on a date button when no date is set. */
    text = g_strdup (_("Not set"));
  gtk_menu_button_set_label (self->button, text);

  /* Translators: the accessible name of a date button: "%1$s" is the row's
   * title, e.g. "Expiry date", "%2$s" the date or "Not set". */
  name = g_strdup_printf (_("%1$s: %2$s"), title != NULL ? title : "", text);
  cmt_flows_set_accessible_label (GTK_WIDGET (self->button), name);
}

static void
on_day_selected (GtkCalendar *calendar,
                 CmtDateRow  *self)
{
  g_autoptr(GDateTime) picked = NULL;
  g_autoptr(GDateTime) day = NULL;

  if (self->syncing)
    return;
  picked = gtk_calendar_get_date (calendar);
  day = g_date_time_new_local (g_date_time_get_year (picked),
                               g_date_time_get_month (picked),
                               g_date_time_get_day_of_month (picked), 0, 0, 0);
  cmt_date_row_set_date (self, day);
}

static void
on_today_clicked (GtkButton  *button,
                  CmtDateRow *self)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autoptr(GDateTime) day = g_date_time_new_local (g_date_time_get_year (now),
                                                    g_date_time_get_month (now),
                                                    g_date_time_get_day_of_month (now),
                                                    0, 0, 0);

  cmt_date_row_set_date (self, day);
  gtk_menu_button_popdown (self->button);
}

static void
on_clear_clicked (GtkButton  *button,
                  CmtDateRow *self)
{
  cmt_date_row_set_date (self, NULL);
  gtk_menu_button_popdown (self->button);
}

static void
cmt_date_row_finalize (GObject *object)
{
  CmtDateRow *self = CMT_DATE_ROW (object);

  g_clear_pointer (&self->date, g_date_time_unref);
  G_OBJECT_CLASS (cmt_date_row_parent_class)->finalize (object);
}

static void
cmt_date_row_get_property (GObject    *object,
                           guint       prop_id,
                           GValue     *value,
                           GParamSpec *pspec)
{
  CmtDateRow *self = CMT_DATE_ROW (object);

  switch (prop_id)
    {
    case PROP_DATE:
      g_value_set_boxed (value, self->date);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
cmt_date_row_set_property (GObject      *object,
                           guint         prop_id,
                           const GValue *value,
                           GParamSpec   *pspec)
{
  CmtDateRow *self = CMT_DATE_ROW (object);

  switch (prop_id)
    {
    case PROP_DATE:
      cmt_date_row_set_date (self, g_value_get_boxed (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
cmt_date_row_class_init (CmtDateRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = cmt_date_row_finalize;
  object_class->get_property = cmt_date_row_get_property;
  object_class->set_property = cmt_date_row_set_property;

  properties[PROP_DATE] =
    g_param_spec_boxed ("date", NULL, NULL, G_TYPE_DATE_TIME,
                        G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
cmt_date_row_init (CmtDateRow *self)
{
  GtkWidget *popover;
  GtkWidget *box;
  GtkWidget *buttons;
  GtkWidget *today;
  GtkWidget *clear;

  self->calendar = GTK_CALENDAR (cmt_flows_calendar_new ());
  g_signal_connect (self->calendar, "day-selected", G_CALLBACK (on_day_selected), self);

  today = gtk_button_new_with_mnemonic (_("_Today"));
  g_signal_connect (today, "clicked", G_CALLBACK (on_today_clicked), self);
  /* Translators: removes the date from a date field. */
  clear = gtk_button_new_with_mnemonic (_("_Clear"));
  g_signal_connect (clear, "clicked", G_CALLBACK (on_clear_clicked), self);

  buttons = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  gtk_box_set_homogeneous (GTK_BOX (buttons), TRUE);
  gtk_box_append (GTK_BOX (buttons), today);
  gtk_box_append (GTK_BOX (buttons), clear);

  box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->calendar));
  gtk_box_append (GTK_BOX (box), buttons);

  popover = gtk_popover_new ();
  gtk_popover_set_child (GTK_POPOVER (popover), box);

  self->button = GTK_MENU_BUTTON (gtk_menu_button_new ());
  gtk_menu_button_set_popover (self->button, popover);
  gtk_widget_set_valign (GTK_WIDGET (self->button), GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (GTK_WIDGET (self->button), "flat");
  adw_action_row_add_suffix (ADW_ACTION_ROW (self), GTK_WIDGET (self->button));
  adw_action_row_set_activatable_widget (ADW_ACTION_ROW (self), GTK_WIDGET (self->button));

  g_signal_connect_swapped (self, "notify::title", G_CALLBACK (update_button), self);
  update_button (self);
}

GtkWidget *
cmt_date_row_new (void)
{
  return g_object_new (CMT_TYPE_DATE_ROW, NULL);
}

GDateTime *
cmt_date_row_get_date (CmtDateRow *self)
{
  g_return_val_if_fail (CMT_IS_DATE_ROW (self), NULL);
  return self->date;
}

void
cmt_date_row_set_date (CmtDateRow *self,
                       GDateTime  *date)
{
  g_return_if_fail (CMT_IS_DATE_ROW (self));

  if (date == self->date ||
      (date != NULL && self->date != NULL && g_date_time_equal (date, self->date)))
    return;

  g_clear_pointer (&self->date, g_date_time_unref);
  if (date != NULL)
    {
      self->date = g_date_time_ref (date);
      self->syncing = TRUE;
      gtk_calendar_select_day (self->calendar, date);
      self->syncing = FALSE;
    }
  update_button (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DATE]);
}
