from django.urls import path

from partners import share_views, views

app_name = "partners"

urlpatterns = [
    path("partners/", views.partner_list, name="partner_list"),
    path("partners/new/", views.partner_create, name="partner_create"),
    path("partners/<slug:slug>/", views.partner_detail, name="partner_detail"),
    path("partners/<slug:slug>/edit/", views.partner_edit, name="partner_edit"),
    path("integrations/new/", views.integration_create, name="integration_create"),
    path("integrations/<int:pk>/", views.integration_detail, name="integration_detail"),
    path("integrations/<int:pk>/edit/", views.integration_edit, name="integration_edit"),
    path("integrations/<int:pk>/assess/", views.integration_assess, name="integration_assess"),
    path("integrations/<int:pk>/plans/", views.integration_plans, name="integration_plans"),
    path("integrations/<int:pk>/hurdles/new/", views.hurdle_create, name="hurdle_create"),
    path(
        "integrations/<int:pk>/hurdles/<int:hurdle_pk>/edit/",
        views.hurdle_edit,
        name="hurdle_edit",
    ),
    path(
        "integrations/<int:pk>/hurdles/<int:hurdle_pk>/resolve/",
        views.hurdle_resolve,
        name="hurdle_resolve",
    ),
    path(
        "integrations/<int:pk>/hurdles/<int:hurdle_pk>/delete/",
        views.hurdle_delete,
        name="hurdle_delete",
    ),
    # Partner links (issue 14): made on the integration's share page, answered in public.
    path("integrations/<int:pk>/share/", share_views.integration_share, name="integration_share"),
    path(
        "integrations/<int:pk>/share/<int:link_id>/revoke/",
        share_views.integration_share_revoke,
        name="integration_share_revoke",
    ),
    path("share/<str:token>/", share_views.share_answer, name="share_answer"),
    path("share/<str:token>/thanks/", share_views.share_thanks, name="share_thanks"),
]
