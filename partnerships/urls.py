from django.urls import path

from partnerships import views
from partnerships.views.deliverables import deliverable_disclosure_check, deliverable_review
from partnerships.views.pipeline import pipeline_new

urlpatterns = [
    path("pipeline/", views.pipeline, name="pipeline"),
    path("pipeline/<int:pk>/move/", views.pipeline_move, name="pipeline-move"),
    path("pipeline/add/", views.pipeline_add, name="pipeline-add"),
    path("pipeline/new/", pipeline_new, name="pipeline-new"),
    path("partnerships/<int:pk>/", views.partnership_detail, name="partnership"),
    path("partnerships/<int:pk>/renew/", views.agreement_renew, name="agreement-renew"),
    path("partnerships/<int:pk>/agreements/", views.agreement_new, name="agreement-new"),
    path("partnerships/<int:pk>/terms/", views.agreement_terms, name="agreement-terms"),
    path("partnerships/<int:pk>/tasks/", views.task_new, name="task-new"),
    path("partnerships/<int:pk>/activities/", views.activity_new, name="activity-new"),
    path("partnerships/<int:pk>/deliverables/", views.deliverable_new, name="deliverable-new"),
    path("deliverables/<int:pk>/status/", views.deliverable_status, name="deliverable-status"),
    path("deliverables/<int:pk>/review/", deliverable_review, name="deliverable-review"),
    path("deliverables/<int:pk>/disclosure/check/", deliverable_disclosure_check, name="deliverable-disclosure-check"),
    path("tasks/", views.my_tasks, name="my-tasks"),
    path("r/<slug:code>", views.referral_redirect, name="referral-redirect"),
    path("brands/", views.brand_list, name="brands"),
    path("brands/<int:pk>/", views.brand_detail, name="brand"),
    path("brands/<int:pk>/measure/", views.brand_measure_now, name="brand-measure"),
    path("brands/<int:pk>/metrics.csv", views.brand_metrics_csv, name="brand-metrics-csv"),
    path("brands/<int:pk>/referral-events/", views.referral_events_upload, name="referral-events-upload"),
    path("communities/<int:pk>/stance/", views.community_stance, name="community-stance"),
    path("communities/<int:pk>/observations/", views.observation_new, name="observation-new"),
    path("communities/<int:pk>/readiness/", views.readiness_checklist, name="readiness-checklist"),
    path("tasks/<int:pk>/done/", views.task_done, name="task-done"),
]
