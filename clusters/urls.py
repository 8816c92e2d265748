from django.urls import path

from clusters import views

urlpatterns = [
    path("", views.home, name="home"),
    path("cum/<str:code>/<int:year>/", views.cluster_detail, name="cluster_detail"),
]
