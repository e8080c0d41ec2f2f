"""/reviews/: review cycles, their progress, rating in them, and my reviews."""

from django.urls import path

from reviews import message_views, views

app_name = "reviews"

urlpatterns = [
    path("reviews/", views.cycle_list, name="cycle_list"),
    path("reviews/new/", views.cycle_create, name="cycle_create"),
    path("reviews/mine/", views.my_reviews, name="mine"),
    path("reviews/<int:pk>/", views.cycle_detail, name="cycle_detail"),
    path("reviews/<int:pk>/edit/", views.cycle_edit, name="cycle_edit"),
    path("reviews/<int:pk>/open/", views.cycle_open, name="cycle_open"),
    path("reviews/<int:pk>/close/", views.cycle_close, name="cycle_close"),
    path("reviews/<int:pk>/progress.csv", views.cycle_csv, name="cycle_csv"),
    path("reviews/<int:pk>/progress.xlsx", views.cycle_xlsx, name="cycle_xlsx"),
    path("reviews/<int:pk>/items/<int:item_pk>/agree/", views.item_agree, name="item_agree"),
    path(
        "reviews/<int:pk>/items/<int:item_pk>/raters/", views.item_add_rater, name="item_add_rater"
    ),
    path(
        "reviews/<int:pk>/assignments/<int:assignment_pk>/rate/",
        views.assignment_rate,
        name="assignment_rate",
    ),
    path(
        "reviews/<int:pk>/assignments/<int:assignment_pk>/reassign/",
        views.assignment_reassign,
        name="assignment_reassign",
    ),
    path(
        "reviews/<int:pk>/assignments/<int:assignment_pk>/remove/",
        views.assignment_remove,
        name="assignment_remove",
    ),
    # Which messages to get: the profile page's form, and a digest's signed unsubscribe link.
    path("profile/messages/", message_views.preferences_save, name="message_preferences"),
    path(
        "messages/unsubscribe/<str:kind>/<str:token>/",
        message_views.unsubscribe,
        name="unsubscribe",
    ),
]
