from . import octopus_link_wizard
from . import octopus_history_wizard
