"""URLs of settlement; mounted under /programs/ in the settlement namespace."""

from django.urls import path

from stipends.settlement import views

app_name = "settlement"

urlpatterns = [
    path("deadlines/", views.deadlines_overview, name="deadlines_overview"),
    path("calendar/", views.calendar_list, name="calendar_list"),
    path("calendar/new/", views.calendar_year_form, name="calendar_year_create"),
    path("calendar/<int:year>/", views.calendar_year_form, name="calendar_year_edit"),
    path("<int:pk>/settlement/", views.settlement_detail, name="settlement_detail"),
    path("<int:pk>/settlement/deadlines/", views.programme_deadlines, name="settlement_deadlines"),
    path("<int:pk>/settlement/statement.pdf", views.settlement_pdf, name="settlement_pdf"),
    path("<int:pk>/settlement/statement.xlsx", views.settlement_xlsx, name="settlement_xlsx"),
    path("<int:programme_pk>/settlement/record/", views.record_form, name="settlement_record"),
    path("<int:programme_pk>/settlement/rooms/new/", views.room_form, name="room_create"),
    path("<int:programme_pk>/settlement/rooms/<int:pk>/", views.room_form, name="room_edit"),
    path("<int:programme_pk>/settlement/rooms/<int:pk>/delete/", views.room_delete, name="room_delete"),
    path("<int:programme_pk>/settlement/payments/new/", views.payment_form, name="payment_create"),
    path("<int:programme_pk>/settlement/payments/<int:pk>/delete/", views.payment_delete, name="payment_delete"),
]
