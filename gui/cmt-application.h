/* cmt-application.h: the app: one window, its actions, and the service's object manager */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define CMT_TYPE_APPLICATION (cmt_application_get_type ())
G_DECLARE_FINAL_TYPE (CmtApplication, cmt_application, CMT, APPLICATION, AdwApplication)

CmtApplication *cmt_application_new (void);

G_END_DECLS
