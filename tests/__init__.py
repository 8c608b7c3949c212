from . import test_install
from . import test_connection
from . import test_dossier_link
from . import test_bookyears
from . import test_mapping
from . import test_security
