from django.urls import path

from . import views

app_name = "payments"

urlpatterns = [
    # A worker's own money.
    path("me/", views.my_money, name="my_money"),
    path("me/statement.pdf", views.my_statement, name="my_statement"),
    # Coordinators.
    path("methods/verify/", views.methods_to_verify, name="verify"),
    # Finance, per implementing partner.
    path("finance/", views.finance_home, name="finance"),
    path("finance/<int:partner_id>/", views.overview, name="overview"),
    path("finance/<int:partner_id>/deposits/", views.deposits, name="deposits"),
    path("finance/<int:partner_id>/accounts/", views.accounts, name="accounts"),
    path("finance/<int:partner_id>/batches/", views.batches, name="batches"),
    path("finance/<int:partner_id>/holds/", views.holds, name="holds"),
    path("finance/<int:partner_id>/reconciliation/", views.reconciliation, name="reconciliation"),
    # Finance, per object (each scoped to the partners the user may read).
    path("deposits/<int:pk>/receipt.pdf", views.receipt, name="receipt"),
    path("accounts/<int:pk>/", views.account_detail, name="account"),
    path("transactions/<int:pk>/reverse/", views.reverse_transaction, name="reverse"),
    path("batches/<int:pk>/", views.batch_detail, name="batch"),
    path("batches/<int:pk>/approve/", views.batch_approve, name="batch_approve"),
    path("batches/<int:pk>/cancel/", views.batch_cancel, name="batch_cancel"),
    path("batches/<int:pk>/produce/", views.batch_produce, name="batch_produce"),
    path("batches/<int:pk>/file/", views.batch_file, name="batch_file"),
    path("batches/<int:pk>/results/", views.batch_results, name="batch_results"),
    path("batches/<int:pk>/results/<int:import_id>/", views.result_import, name="result_import"),
    path("holds/<int:pk>/lift/", views.lift_hold, name="lift_hold"),
]
