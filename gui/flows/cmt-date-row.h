/* cmt-date-row.h: a preferences row holding an optional date, picked in a calendar */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define CMT_TYPE_DATE_ROW (cmt_date_row_get_type ())
G_DECLARE_FINAL_TYPE (CmtDateRow, cmt_date_row, CMT, DATE_ROW, AdwActionRow)

GtkWidget *cmt_date_row_new      (void);
/* The picked day (local midnight), or NULL when none is set. */
GDateTime *cmt_date_row_get_date (CmtDateRow *self);
/* @date: a day, or NULL to clear. */
void       cmt_date_row_set_date (CmtDateRow *self,
                                  GDateTime  *date);

G_END_DECLS
