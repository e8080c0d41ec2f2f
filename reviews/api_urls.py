"""/api/v1/reviews/: review cycles in the JSON API (included by config/urls.py before api/).

Names: ``reviews_api:cycle-list``, ``reviews_api:cycle-detail``, … (the api app's
own namespace is ``api``; a second app cannot share it).
"""

from django.urls import path

from reviews import api_views

app_name = "reviews_api"

urlpatterns = [
    path(
        "",
        api_views.CycleViewSet.as_view({"get": "list", "post": "create"}),
        name="cycle-list",
    ),
    path(
        "<int:pk>/",
        api_views.CycleViewSet.as_view({"get": "retrieve"}),
        name="cycle-detail",
    ),
    path("<int:pk>/open/", api_views.CycleOpenView.as_view(), name="cycle-open"),
    path("<int:pk>/close/", api_views.CycleCloseView.as_view(), name="cycle-close"),
    path(
        "<int:pk>/assignments/",
        api_views.AssignmentListView.as_view(),
        name="assignment-list",
    ),
    path(
        "<int:pk>/assignments/<int:assignment_pk>/rating/",
        api_views.RatingView.as_view(),
        name="assignment-rating",
    ),
]
