from django.urls import path

from sportello.triage import views

app_name = "triage"

urlpatterns = [
    path("contatti/<int:pk>/valutazione/", views.screen, name="screen"),
    path("contatti/<int:pk>/rischio/", views.risk, name="risk"),
    path("contatti/<int:pk>/rischio/112/", views.record_emergency_call, name="emergency-call"),
    path("contatti/<int:pk>/rischio/coordinatore/", views.record_supervisor, name="supervisor"),
    path("contatti/<int:pk>/rischio/ricontatto/", views.schedule_follow_up, name="follow-up"),
    path("contatti/<int:pk>/rischio/piano/", views.record_safety_plan, name="safety-plan"),
    path("ricontatti/<int:pk>/svolto/", views.follow_up_done, name="follow-up-done"),
    path("segnalazioni/<int:pk>/presa-visione/", views.acknowledge, name="acknowledge"),
    path("rischio/", views.board, name="board"),
]
