"""/partners/<slug>/reviews/…: a partner's frozen reviews, one to print, its PDF; and the
partner's acknowledgement link."""

from django.urls import path

from snapshots import views

app_name = "snapshots"

urlpatterns = [
    path("partners/<slug:slug>/reviews/", views.review_list, name="review_list"),
    path("partners/<slug:slug>/reviews/<int:number>/", views.review_detail, name="review_detail"),
    path("partners/<slug:slug>/reviews/<int:number>.pdf", views.review_pdf, name="review_pdf"),
    path(
        "partners/<slug:slug>/reviews/<int:number>/actions/<int:action_pk>/done/",
        views.action_done,
        name="action_done",
    ),
    path(
        "partners/<slug:slug>/reviews/<int:number>/acknowledgement-link/",
        views.ack_link_create,
        name="ack_link_create",
    ),
    # The partner contact's page: public, by link only, the frozen review read-only.
    path("acknowledge/<str:token>/", views.acknowledge, name="acknowledge"),
]
