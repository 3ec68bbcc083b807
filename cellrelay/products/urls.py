"""Every page of the products room (the pharmacy's storage and dispensing pages are the pharmacy's)."""

from django.urls import path

from .views import bag, chain, collection, manufacturing, receipt, shipments

app_name = "products"
urlpatterns = [
    # The product page and the pharmacist's decisions
    path("episodes/<int:pk>/products/", chain.chain_page, name="chain"),
    path("episodes/<int:pk>/products/custody.pdf", chain.custody_pdf_view, name="custody_pdf"),
    path("products/<int:pk>/quarantine/", chain.quarantine_release, name="quarantine_release"),
    path("deviations/<int:pk>/release/", chain.excursion_release, name="excursion_release"),
    # The collection
    path("episodes/<int:pk>/collection/new/", collection.collection_new, name="collection_new"),
    path("collections/<int:pk>/labels.pdf", collection.collection_labels, name="collection_labels"),
    # The shipments
    path("collections/<int:pk>/shipments/new/", shipments.shipment_out_new, name="shipment_out_new"),
    path("products/<int:pk>/shipments/new/", shipments.shipment_back_new, name="shipment_back_new"),
    path("shipments/<int:pk>/", shipments.shipment_detail, name="shipment"),
    path("shipments/<int:pk>/temperature-log/", shipments.shipment_log, name="shipment_log"),
    # The manufacturing
    path("episodes/<int:pk>/products/new/", manufacturing.product_new, name="product_new"),
    path("products/<int:pk>/manufacturing/", manufacturing.manufacturing_update, name="manufacturing_update"),
    path("products/<int:pk>/certificate/", manufacturing.certificate, name="certificate"),
    # The receipt
    path("products/<int:pk>/receive/", receipt.receive, name="receive"),
    # A bag and the ward's steps
    path("bags/<int:pk>/", bag.bag_detail, name="bag"),
    path("bags/<int:pk>/thaw/", bag.thaw_start, name="thaw"),
    path("bags/<int:pk>/bedside/", bag.bedside, name="bedside"),
    path("bags/<int:pk>/infusion/start/", bag.infusion_start, name="infusion_start"),
    path("bags/<int:pk>/infusion/end/", bag.infusion_end, name="infusion_end"),
    path("bags/<int:pk>/dispose/", bag.dispose, name="dispose"),
]
