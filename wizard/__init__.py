from . import octopus_link_wizard
from . import octopus_link_companies
from . import octopus_mapping_copy
