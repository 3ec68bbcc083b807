from django.contrib.auth import views as auth_views
from django.templatetags.static import static
from django.urls import include, path
from django.views.generic import RedirectView

from cellrelay.api import api
from cellrelay.organisation import signin
from cellrelay.organisation import views as organisation_views

urlpatterns = [
    # First: a probe's write is resolved against one prefix, not tried against every page's pattern (issue #14).
    path("api/", api.urls),
    path("", organisation_views.home, name="home"),
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("login/verify/", signin.second_factor_verify, name="second_factor_verify"),
    path("login/enrol/", signin.second_factor_enrol, name="second_factor_enrol"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    # Browsers ask for /favicon.ico whatever the page links: send them to the SVG.
    path("favicon.ico", RedirectView.as_view(url=static("favicon.svg"), permanent=True), name="favicon"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("patients/", include("cellrelay.patients.urls")),
    path("", include("cellrelay.pathway.urls")),
    path("", include("cellrelay.organisation.urls")),
    path("", include("cellrelay.referrals.urls")),
    path("", include("cellrelay.monitoring.urls")),
    path("", include("cellrelay.products.urls")),
    path("", include("cellrelay.pharmacy.urls")),
    path("", include("cellrelay.followup.urls")),
    path("", include("cellrelay.registry.urls")),
]
