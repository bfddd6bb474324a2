"""News prose for the replica: headlines, paragraphs, quotes and in-body lists.

Everything is drawn from a caller's `random.Random`, so a story's text depends
only on the seed it was given. The vocabulary follows the network's beats
(missile defence, military space, nuclear weapons, launches, satellites,
exploration, climate, earthquakes, energy) so extraction heuristics meet text
with the rhythm of wire copy, not lorem ipsum.
"""

from __future__ import annotations

import random
import re
import string
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")

#: (city, country, adjective) for datelines and prose.
PLACES = (
    ("Washington", "the United States", "US"), ("Moscow", "Russia", "Russian"),
    ("Paris", "France", "French"), ("Beijing", "China", "Chinese"),
    ("Tokyo", "Japan", "Japanese"), ("Brussels", "Belgium", "Belgian"),
    ("Berlin", "Germany", "German"), ("Warsaw", "Poland", "Polish"),
    ("Prague", "the Czech Republic", "Czech"), ("London", "Britain", "British"),
    ("New Delhi", "India", "Indian"), ("Seoul", "South Korea", "South Korean"),
    ("Tehran", "Iran", "Iranian"), ("Canberra", "Australia", "Australian"),
    ("Ottawa", "Canada", "Canadian"), ("Rome", "Italy", "Italian"),
    ("Madrid", "Spain", "Spanish"), ("Ankara", "Turkey", "Turkish"),
    ("Jakarta", "Indonesia", "Indonesian"), ("Manila", "the Philippines", "Philippine"),
    ("Santiago", "Chile", "Chilean"), ("Lima", "Peru", "Peruvian"),
    ("Nairobi", "Kenya", "Kenyan"), ("Oslo", "Norway", "Norwegian"),
    ("Geneva", "Switzerland", "Swiss"), ("Vienna", "Austria", "Austrian"),
    ("Taipei", "Taiwan", "Taiwanese"), ("Islamabad", "Pakistan", "Pakistani"),
    ("Kiev", "Ukraine", "Ukrainian"), ("Stockholm", "Sweden", "Swedish"),
    ("Brasilia", "Brazil", "Brazilian"), ("Mexico City", "Mexico", "Mexican"),
)

#: Datelines of SPX stories name the country too: "Paris, France (SPX) ...".
SPX_PLACES = (
    "Paris, France", "Pasadena CA", "Houston TX", "Darmstadt, Germany",
    "Noordwijk, Netherlands", "Boulder CO", "Tokyo, Japan", "Greenbelt MD",
    "Cape Canaveral FL", "Los Angeles CA", "Toulouse, France", "Sydney, Australia",
    "Beijing, China", "Bremen, Germany", "Washington DC", "Zurich, Switzerland",
)

MALE_NAMES = ("James", "Sergei", "Robert", "Li", "Hiroshi", "Thomas", "David", "Pierre",
              "Michael", "Carlos", "Peter", "Daniel", "Ahmed", "Viktor", "Kenji", "Marek")
FEMALE_NAMES = ("Maria", "Anna", "Elena", "Fatima", "Ingrid", "Sunita", "Olga", "Ayumi",
                "Leila", "Katarzyna", "Claire", "Grace", "Ines", "Yuki", "Helen", "Priya")
LAST_NAMES = (
    "Walker", "Petrov", "Dubois", "Chen", "Tanaka", "Kowalski", "Schneider", "Rahman",
    "Ivanova", "Morgan", "Novak", "Fischer", "Garcia", "Sato", "Lindqvist", "Okafor",
    "Brennan", "Moreau", "Haddad", "Kumar", "Volkov", "Larsen", "Whitfield", "Mendes",
)

#: Named wire bylines: AFP reporters sign "By First SURNAME".
AFP_WRITERS = ("Issam AHMED", "Laurent BANGUET", "Marina KORENEVA", "Jean-Louis SANTINI",
               "Pascale MOLLARD", "Kerry SHERIDAN", "Daniel WOOLLS", "Nicolas REVISE")
NAMED_WRITERS = ("Erica Marchand", "Martin Sieff", "Morris Jones", "Leonard David",
                 "Bruce Gagnon", "Hilda Kassel", "Marc Kaufman", "Joan Lisetti")


@dataclass(frozen=True)
class Beat:
    """The vocabulary of one section of a site."""

    name: str
    things: tuple[str, ...]
    orgs: tuple[str, ...]
    roles: tuple[str, ...]
    actions: tuple[str, ...]
    headlines: tuple[str, ...]
    quotes: tuple[str, ...]
    background: tuple[str, ...]
    link_texts: tuple[str, ...]
    #: lead paragraphs for beats about events rather than programmes
    leads: tuple[str, ...] = ()
    #: what a speaker expects "within weeks"
    expectations: tuple[str, ...] = ("a decision within weeks", "further talks soon",
                                     "more details next month")


BEATS: dict[str, Beat] = {
    "missile-defense": Beat(
        name="missile-defense",
        things=("missile shield", "interceptor site", "radar station", "anti-missile system",
                "ballistic missile defence", "early warning radar", "interceptor programme",
                "missile defence umbrella"),
        orgs=("NATO", "the Pentagon", "the Missile Defense Agency", "the State Department",
              "the Kremlin", "the Russian general staff", "the European Commission"),
        roles=("Defence Minister", "Foreign Minister", "Secretary of State",
               "chief of the general staff", "NATO spokesman", "deputy defence minister",
               "senior arms control negotiator"),
        actions=("tested", "deployed", "proposed", "criticised", "defended", "postponed"),
        headlines=("{adj} Minister Warns Over {Thing} Plans",
                   "{country} Rejects {adj2} Offer On {Thing}",
                   "{country} Tests New Interceptor Over {sea}",
                   "NATO Split Over {adj} {Thing}",
                   "{country} To Host {Thing} Despite Protests",
                   "{adj} {Thing} Talks Stall In {city}",
                   "{country} Says {Thing} Poses No Threat",
                   "Interceptor Hits Target In {adj} Test",
                   "{adj} Radar Deal Signed In {city}",
                   "{country} And {country2} Discuss {Thing}"),
        quotes=("We see no reason why this system should threaten anyone",
                "The deployment is purely defensive and aimed at rogue states",
                "This decision was taken without consulting the people who live here",
                "We will respond with all the means at our disposal",
                "The test met every one of its objectives",
                "Talks will continue, but the gap between us remains wide",
                "Security in Europe is indivisible and must be discussed together"),
        background=("The {thing} would be operational by {year2}, according to officials.",
                    "{country} has opposed the plan since it was first announced in {year0}.",
                    "Critics say the system has never been tested under realistic conditions.",
                    "The project is expected to cost about {money} dollars over a decade.",
                    "Analysts in {city} said the dispute could overshadow next month's summit.",
                    "Parts of the network are already operating in Alaska and California."),
        link_texts=("Learn about missile defense at", "All about missiles at",
                    "Learn about the Superpowers of the 21st Century at"),
    ),
    "military-space": Beat(
        name="military-space",
        things=("reconnaissance satellite", "anti-satellite weapon", "space surveillance network",
                "military communications satellite", "GPS constellation", "space command",
                "drone fleet", "stealth bomber programme"),
        orgs=("the Air Force", "Space Command", "the Navy", "Lockheed Martin", "Raytheon",
              "Northrop Grumman", "Boeing", "the Defence Ministry"),
        roles=("Air Force general", "programme manager", "procurement chief",
               "defence analyst", "Pentagon spokeswoman", "commander"),
        actions=("launched", "ordered", "upgraded", "cancelled", "delivered", "tracked"),
        headlines=("{Org} Awards Contract For {Thing}",
                   "{country} Unveils New {Thing}",
                   "{adj} Military Launches {Thing}",
                   "Debris Fears Grow After {adj} {Thing} Test",
                   "{Org} Delivers First {Thing}",
                   "Budget Cuts Threaten {Thing}",
                   "{country} Boosts Spending On {Thing}",
                   "Pentagon Reviews {Thing} After Delays"),
        quotes=("This capability gives our forces an edge they have never had before",
                "We are on schedule and within budget",
                "Space is now a contested domain and we have to plan for that",
                "The programme has cost far more than anyone expected",
                "Every satellite we put up makes the network more resilient"),
        background=("The contract is worth {money} dollars and runs until {year2}.",
                    "The first unit is due to enter service in {year2}.",
                    "{Org} has built {number} similar systems since {year0}.",
                    "Congress has questioned the cost of the programme twice this year.",
                    "The system replaces hardware that dates back to the 1980s."),
        link_texts=("Learn about military space at", "Military Space News at",
                    "Learn about the Superpowers of the 21st Century at"),
    ),
    "nuclear": Beat(
        name="nuclear",
        things=("nuclear programme", "uranium enrichment", "warhead stockpile",
                "non-proliferation treaty", "arms control agreement", "reactor site",
                "inspection regime", "nuclear test ban"),
        orgs=("the IAEA", "the UN Security Council", "the Energy Department",
              "the Foreign Ministry", "the six-party talks"),
        roles=("chief negotiator", "IAEA inspector", "Foreign Minister", "nuclear envoy",
               "arms control expert", "government spokesman"),
        actions=("suspended", "resumed", "inspected", "sanctioned", "expanded", "froze"),
        headlines=("{country} Sees No Reason For Negotiation On {Thing}",
                   "UN Inspectors Return To {country}",
                   "{country} Hits {adj2} Firms With Sanctions",
                   "Talks On {Thing} Resume In {city}",
                   "{country} Warned Over {Thing}",
                   "{adj} Envoy Upbeat On {Thing}",
                   "New Doubts Over {adj} {Thing}"),
        quotes=("The door to dialogue remains open",
                "We have seen no evidence that the programme is peaceful",
                "Sanctions alone will not solve this problem",
                "Our inspectors must have unrestricted access",
                "There is still time for a diplomatic solution"),
        background=("Inspectors last visited the site in {year0}.",
                    "The Security Council has passed {number} resolutions on the issue.",
                    "{country} insists its programme is for civilian purposes only.",
                    "Diplomats in {city} said a deal was unlikely before the end of the year."),
        link_texts=("Learn about nuclear weapons doctrine and defense at",
                    "Nuclear Weapons News at", "All about missiles at"),
    ),
    "launchers": Beat(
        name="launchers",
        things=("heavy-lift rocket", "reusable booster", "launch pad", "upper stage",
                "cargo capsule", "small-satellite launcher", "crew vehicle", "methane engine"),
        orgs=("Arianespace", "NASA", "Roscosmos", "SpaceX", "ISRO", "JAXA", "Rocket Lab",
              "the China National Space Administration", "ESA", "United Launch Alliance"),
        roles=("launch director", "mission manager", "chief engineer", "flight director",
               "agency administrator", "programme head"),
        actions=("launched", "scrubbed", "rolled out", "test-fired", "recovered", "delayed"),
        headlines=("{Org} Launches {number} Satellites On Single Rocket",
                   "{Thing} Passes Key Engine Test",
                   "{Org} Sets Date For First {Thing} Flight",
                   "{adj} Rocket Lifts Off From {city} Spaceport",
                   "Launch Of {adj} {Thing} Delayed By Weather",
                   "{Org} Recovers {Thing} After Flight",
                   "New {Thing} Rolls Out To Pad"),
        quotes=("The vehicle performed exactly as we hoped",
                "Weather is the one thing we cannot control",
                "This launch opens a new chapter for our industry",
                "We will take the time to understand what happened",
                "The team has worked around the clock for this moment"),
        background=("Lift-off took place at {hour}:{minute} local time.",
                    "It was the {ordinal} launch of the year for {org}.",
                    "The payload separated about {number} minutes after lift-off.",
                    "The rocket stands {number} metres tall and burns liquid oxygen.",
                    "A previous attempt was called off in {month} because of a valve fault."),
        link_texts=("Rocket Science News at", "Learn about Space Tourism at",
                    "Space Technology News - Applications and Research"),
    ),
    "satellites": Beat(
        name="satellites",
        things=("weather satellite", "Earth observation satellite", "navigation satellite",
                "broadband constellation", "radar imaging satellite", "geostationary platform",
                "ocean monitoring mission", "cubesat"),
        orgs=("ESA", "Eumetsat", "NOAA", "Airbus Defence and Space", "Thales Alenia Space",
              "Maxar", "the European Commission", "SES", "Intelsat", "Planet"),
        roles=("project scientist", "mission manager", "chief executive",
               "operations director", "spokeswoman", "programme director"),
        actions=("deployed", "activated", "calibrated", "ordered", "decommissioned", "imaged"),
        headlines=("{Org} Orders {number} New {Things}",
                   "{Thing} Sends Back First Images",
                   "{adj} {Thing} Reaches Orbit",
                   "{Org} Extends Life Of Ageing {Thing}",
                   "Contract Signed For Next {Thing}",
                   "{Thing} Begins Routine Operations",
                   "Data From {Thing} Opened To Researchers"),
        quotes=("The first images are of outstanding quality",
                "These data will be freely available to everyone",
                "We expect the satellite to serve for at least fifteen years",
                "Commissioning has gone remarkably smoothly",
                "Demand for this kind of service keeps growing"),
        background=("The satellite weighs about {number} kilograms at launch.",
                    "It will circle the Earth at an altitude of {number}0 kilometres.",
                    "The mission is due to last until {year2}.",
                    "{Org} operates {number} satellites from its control centre in {city}."),
        link_texts=("Satellite-based Internet Technologies", "Earth Observation News - Suppiliers",
                    "GPS Applications, Technology and Suppliers at"),
    ),
    "exploration": Beat(
        name="exploration",
        things=("Mars rover", "lunar lander", "space telescope", "comet probe",
                "asteroid sample", "space station module", "Jupiter orbiter", "solar probe"),
        orgs=("NASA", "ESA", "JAXA", "the Jet Propulsion Laboratory", "Caltech",
              "the Max Planck Institute", "the University of Arizona", "CNES"),
        roles=("principal investigator", "planetary scientist", "astronomer",
               "mission scientist", "lead author", "project manager"),
        actions=("observed", "detected", "mapped", "measured", "discovered", "photographed"),
        headlines=("{Thing} Finds Signs Of Ancient Water",
                   "Astronomers Spot Unusual Object With {Thing}",
                   "{Org} Picks Landing Site For {Thing}",
                   "{Thing} Survives Close Pass",
                   "New Look At Crater From {adj} {Thing}",
                   "{Org} Team Solves Puzzle Of Dark Streaks",
                   "{Thing} Returns Record Data Haul"),
        quotes=("This is not what we expected to find",
                "The results raise as many questions as they answer",
                "We have been waiting years for data like these",
                "It is a remarkable piece of engineering and a remarkable piece of luck",
                "The next step is to confirm the signal with other instruments"),
        background=("The findings were published in the journal {journal}.",
                    "The probe was launched in {year0} and reached its target in {year1}.",
                    "The team analysed {number} observations gathered over two years.",
                    "Scientists will present the results at a conference in {city} next month."),
        link_texts=("Mars News and Information at", "Lunar Dreams and more",
                    "Stellar Chemistry, The Universe And All Within It"),
    ),
    "climate": Beat(
        name="climate",
        expectations=("more extreme summers", "the trend to continue", "a difficult season"),
        things=("heatwave", "drought", "flood", "ice shelf collapse", "methane leak",
                "coral bleaching event", "emissions target", "marine heatwave"),
        orgs=("the UN climate body", "the World Meteorological Organization",
              "the European Environment Agency", "Greenpeace", "the IPCC",
              "the Copernicus Climate Change Service", "the Environment Ministry"),
        roles=("climate scientist", "environment minister", "glaciologist", "oceanographer",
               "UN official", "campaigner", "meteorologist"),
        actions=("recorded", "warned of", "measured", "reported", "documented", "studied"),
        leads=("{An_thing} gripped {region} on {weekday}, {org} said, the latest sign of a "
               "warming climate that scientists say is arriving faster than forecast.",
               "{Org} on {weekday} {action} {an_thing} in {country}, adding to evidence "
               "gathered by researchers in {city} over the past decade.",
               "Scientists in {city} on {weekday} warned that {an_thing} now expected in "
               "{region} could become a yearly event by {year2}."),
        headlines=("{Thing} Hits Record Level",
                   "Study Links {Thing} To Warming Seas",
                   "{country} Pledges Cuts In {Thing}",
                   "Scientists Warn Over {Thing} In {region}",
                   "{adj} Farmers Struggle With {Thing}",
                   "Climate Talks In {city} End Without Deal",
                   "New Data Show Faster {Thing}"),
        quotes=("The trend is unmistakable and it is accelerating",
                "We are running out of time to act",
                "Communities on the front line need help now, not in ten years",
                "These measurements leave little room for doubt",
                "Every fraction of a degree matters"),
        background=("Average temperatures in the region have risen by {tenths} degrees "
                    "since {year0}.",
                    "The study was based on {number} years of satellite records.",
                    "Delegates from {number}0 countries attended the talks in {city}.",
                    "{country} is among the world's largest emitters."),
        link_texts=("Climate Science News - Modeling, Mitigation Adaptation",
                    "Learn about Climate Science at", "Bringing Order To A World Of Disasters"),
    ),
    "earthquakes": Beat(
        name="earthquakes",
        expectations=("further aftershocks", "the toll to rise", "a long recovery"),
        things=("earthquake", "strong aftershock", "tsunami warning", "landslide",
                "volcanic eruption", "fault rupture", "seismic swarm"),
        orgs=("the US Geological Survey", "the Red Cross", "the civil protection agency",
              "the national seismology centre", "the disaster agency", "local authorities"),
        roles=("seismologist", "rescue official", "provincial governor", "disaster official",
               "Red Cross spokesman", "geologist"),
        actions=("recorded", "reported", "monitored", "mapped", "measured", "warned of"),
        leads=("A strong earthquake struck {region} on {weekday}, {org} said, sending "
               "residents of {city} running into the streets.",
               "{Org} on {weekday} {action} {an_thing} near {city}, hours after the ground "
               "shook across much of {country}.",
               "Rescuers worked through the night after {an_thing} hit {region} on "
               "{weekday}, officials in {city} said."),
        headlines=("Strong Quake Hits {region}",
                   "{Thing} Forces Thousands From Homes In {country}",
                   "Death Toll Rises After {country} {Thing}",
                   "Rescuers Search Rubble After {Thing}",
                   "{country} Lifts {Thing}",
                   "Magnitude {magnitude} Quake Rattles {city}",
                   "Scientists Map Hidden {Thing} Under {city}"),
        quotes=("The shaking lasted for almost a minute",
                "Our priority is to reach the villages that have been cut off",
                "We cannot rule out further strong aftershocks",
                "Many of the older buildings simply collapsed",
                "People are afraid to go back into their homes"),
        background=("The quake struck at a depth of {number} kilometres.",
                    "More than {number}0 aftershocks were recorded in the following hours.",
                    "The region was hit by a similar quake in {year0}.",
                    "Rescue teams from {country} were on their way, officials said."),
        link_texts=("Bringing Order To A World Of Disasters",
                    "When the Earth Quakes", "A world of storm and tempest"),
    ),
    "energy": Beat(
        name="energy",
        things=("wind farm", "solar plant", "gas pipeline", "nuclear reactor", "power grid",
                "battery storage project", "hydrogen plant", "oil field"),
        orgs=("the International Energy Agency", "OPEC", "Siemens Energy", "EDF", "Vestas",
              "the Energy Ministry", "the grid operator", "Rosatom", "TotalEnergies"),
        roles=("energy minister", "chief executive", "industry analyst", "grid operator",
               "project director", "economist"),
        actions=("opened", "approved", "shut down", "financed", "connected", "expanded"),
        headlines=("{country} Approves New {Thing}",
                   "{Org} Unveils Plans For Giant {Thing}",
                   "{Thing} Output Reaches Record In {country}",
                   "{adj} {Thing} Connected To Grid",
                   "Oil Prices Slip As {org} Meets In {city}",
                   "Protests Delay {Thing} In {region}",
                   "{Org} Bets On {Thing}"),
        quotes=("This project will power hundreds of thousands of homes",
                "Prices will stay volatile for some time",
                "We need every source of clean energy we can get",
                "The grid was never designed for this much variable power",
                "Investors are watching this closely"),
        background=("The project will cost about {money} dollars.",
                    "The plant is expected to produce {number}00 megawatts at full capacity.",
                    "{country} wants renewables to supply half its power by {year2}.",
                    "Construction began in {year0} and has faced repeated delays."),
        link_texts=("All About Solar Energy at", "Powering The World in the 21st Century at",
                    "Nuclear Power News - Nuclear Science, Nuclear Technology"),
    ),
}

#: Sentences and quotes that fit any beat, so long stories do not repeat themselves.
GENERIC_BACKGROUND = (
    "The announcement came two weeks after {org} set out its plans in {city}.",
    "{country} has spent {money} dollars on the {thing} since {year0}, according to "
    "official figures.",
    "Opposition lawmakers in {city} have demanded a full inquiry into the {thing}.",
    "A report published last month said the {thing} was running {number} months behind "
    "schedule.",
    "Diplomats said the issue would be raised at a meeting in {city} later this month.",
    "The {thing} has been the subject of intense debate in {country} for more than a decade.",
    "Experts said it was too early to judge the long-term impact.",
    "{Org} declined to comment on the details.",
    "Local media in {city} reported that work had stopped for several days in {month}.",
    "No timetable has been set for the next phase.",
    "The figures are the highest since records began in {year0}.",
    "Talks between the two sides are expected to resume in {month}.",
)
EVENT_BACKGROUND = (
    "Schools in {city} were closed as a precaution, local media said.",
    "Power was cut to thousands of homes for several hours.",
    "Emergency services said they had received hundreds of calls overnight.",
    "The government in {city} said it would release emergency funds.",
    "Insurers said it was too early to estimate the cost of the damage.",
    "Television pictures showed cracked roads and damaged houses.",
    "Residents spent the night outdoors, fearing further shocks.",
    "Scientists have long warned that the region is among the most exposed in {country}.",
    "Aid agencies said they were sending tents, water and medical supplies.",
    "A similar event in {year0} caused damage estimated at {money} dollars.",
)
EVENT_QUOTES = (
    "We are doing everything we can",
    "It will take years to rebuild",
    "Nobody expected it to be this bad",
    "The warning system worked as it should",
    "We urge people to stay calm and follow instructions",
    "Our teams are working around the clock",
)
GENERIC_QUOTES = (
    "We are looking at all the options",
    "Nobody should be surprised by this",
    "It is a good day for everyone who worked on this",
    "We will not accept a decision imposed from outside",
    "There is still a great deal of work to do",
    "The numbers speak for themselves",
    "We have been clear about this from the start",
)

HEADLINE_VERBS = (
    "Warns Over", "Backs", "Plans", "Delays", "Questions", "Defends", "Unveils",
    "Seeks Talks On", "Signs Deal On", "Studies", "Reviews", "Pledges Action On",
    "Rejects Criticism Of", "Steps Up Work On", "Weighs", "Eyes", "Faces Questions Over",
    "Sets Deadline For", "Pushes Ahead With", "Calls For Review Of",
)
HEADLINE_TAILS = ("", "", " In {city}", " Near {city}", " After Talks In {city}",
                  " Ahead Of {city} Meeting", " {ending}", " {ending}")
HEADLINE_ENDINGS = (
    "Again", "As Talks Continue", "Amid Protests", "For Second Time", "After Delay",
    "Despite Warnings", "Report Says", "Officials Say", "Experts Warn", "Under Pressure",
    "As Costs Rise", "Ahead Of Summit", "After Review", "In Surprise Move", "As Deadline Nears",
    "Amid Budget Row", "After Long Wait", "Study Finds", "Sources Say", "Despite Setbacks",
)

SEAS = ("Pacific", "Baltic Sea", "Sea Of Japan", "Mediterranean", "Black Sea", "Arctic")
REGIONS = ("Northern Chile", "Central Italy", "Eastern Turkey", "Western Java", "The Andes",
           "The Arctic", "Southern Europe", "The Sahel", "East Africa", "The Himalayas")
JOURNALS = ("Nature", "Science", "Geophysical Research Letters", "Nature Geoscience",
            "The Astrophysical Journal", "Icarus", "PNAS")
SPEECH_VERBS = ("said", "told reporters", "said in a statement", "told journalists",
                "told a news conference", "added", "said on {weekday}")
CONNECTIVES = ("Meanwhile", "However", "Earlier", "At the same time", "Separately",
               "Last year", "Two years ago", "In a separate development")
ORDINALS = ("second", "third", "fourth", "fifth", "sixth", "seventh", "ninth", "twelfth")
MONTH_NAMES = ("January", "February", "March", "April", "May", "June", "July", "August",
               "September", "October", "November", "December")


class Writer:
    """Writes one story's text; every choice comes from the given `random.Random`."""

    def __init__(self, rng: random.Random, beat: str, year: int) -> None:
        self.rng = rng
        self.beat = BEATS[beat]
        self.year = year
        self.city, self.country, self.adj = rng.choice(PLACES)
        self._used: set[str] = set()

    # -- building blocks -------------------------------------------------
    def person(self) -> str:
        return self.speaker()[0]

    def speaker(self) -> tuple[str, str]:
        """A name and the pronoun that goes with it."""
        female = self.rng.random() < 0.4
        first = self.rng.choice(FEMALE_NAMES if female else MALE_NAMES)
        return f"{first} {self.rng.choice(LAST_NAMES)}", "she" if female else "he"

    def _fresh(self, options: tuple[str, ...]) -> str | None:
        """A choice not yet used in this story, or None when all have been used."""
        unused = [o for o in options if o not in self._used]
        if not unused:
            return None
        choice = self.rng.choice(unused)
        self._used.add(choice)
        return choice

    def _quote(self) -> str | None:
        generic = EVENT_QUOTES if self.beat.leads else GENERIC_QUOTES
        return self._fresh(self.beat.quotes) or self._fresh(generic)

    def _background(self) -> str | None:
        generic = EVENT_BACKGROUND if self.beat.leads else GENERIC_BACKGROUND
        template = self._fresh(self.beat.background) or self._fresh(generic)
        return None if template is None else self._fill(template)

    def _fill(self, template: str, **overrides: str) -> str:
        """Fill a template's slots, drawing only the values it uses."""
        return template.format_map(_Slots(self, overrides))

    def slot(self, name: str, values: dict[str, str]) -> str:
        rng = self.rng
        if name in ("thing", "Thing", "Things", "an_thing", "An_thing"):
            thing = values.setdefault("thing", rng.choice(self.beat.things))
            return {"thing": thing, "Thing": _title_case(thing),
                    "Things": _title_case(thing) + "s", "an_thing": _an(thing),
                    "An_thing": _cap(_an(thing))}[name]
        if name in ("org", "Org"):
            org = values.setdefault("org", rng.choice(self.beat.orgs))
            return org if name == "org" else _cap(org)
        return _DRAWS[name](self, rng)

    # -- public API ------------------------------------------------------
    def headline(self) -> str:
        rng = self.rng
        if rng.random() < 0.4:
            template = rng.choice(self.beat.headlines)
        else:
            subject = rng.choice(("{country}", "{org}", "{adj} {Role}", "{country}"))
            template = (f"{subject} {rng.choice(HEADLINE_VERBS)} {{Thing}}"
                        f"{rng.choice(HEADLINE_TAILS)}")
        text = self._fill(template)
        return " ".join(w[:1].upper() + w[1:] for w in text.split())

    def caption(self) -> str:
        rng = self.rng
        forms = (
            f"{self.adj} {rng.choice(self.beat.roles)} {self.person()}. Photo courtesy AFP.",
            "File image courtesy NASA.",
            f"Illustration of a {rng.choice(self.beat.things)}.",
            f"{_cap(_an(rng.choice(self.beat.things)))} near {self.city}. Photo courtesy AFP.",
            "Image courtesy ESA.",
        )
        return rng.choice(forms)

    def lead(self, weekday: str) -> str:
        rng = self.rng
        beat = self.beat
        if beat.leads:
            return self._fill(rng.choice(beat.leads), weekday=weekday)
        org = rng.choice(beat.orgs)
        thing = rng.choice(beat.things)
        person, _ = self.speaker()
        forms = (
            f"{self.adj} {rng.choice(beat.roles)} {person} on {weekday} said the "
            f"{thing} planned by {org} could change the balance in the region and called "
            f"for talks on its future.",
            f"{_cap(org)} {rng.choice(beat.actions)} {_an(thing)} on {weekday}, officials in "
            f"{self.city} said, in a move likely to draw attention from "
            f"{self.country}'s neighbours.",
            f"{_cap(_an(thing))} {rng.choice(beat.actions)} by {org} has raised fresh "
            f"questions in {self.country}, where officials have spent months weighing its "
            f"costs and benefits.",
            f"{_cap(self.country)} on {weekday} {rng.choice(beat.actions)} its {thing}, "
            f"the latest step in a programme that has divided experts since it began.",
            f"Officials from {org} said on {weekday} that the {thing} would go ahead as "
            f"planned, despite objections raised in {self.city} and elsewhere.",
            f"The {thing} at the centre of a long dispute between {org} and the government "
            f"of {self.country} moved a step closer on {weekday}, {person} said.",
            f"For the {rng.choice(ORDINALS)} time this year, {org} has {rng.choice(beat.actions)} "
            f"{_an(thing)}, and officials in {self.city} say more is to come.",
        )
        return rng.choice(forms)

    def quote_paragraph(self) -> str | None:
        """A quoted paragraph, or None once the story has used up its quotes."""
        rng = self.rng
        quote = self._quote()
        if quote is None:
            return None
        name, pronoun = self.speaker()
        role = rng.choice(self.beat.roles)
        if pronoun == "she":
            role = role.replace("spokesman", "spokeswoman")
        speaker = f"{role} {name}"
        verb = rng.choice(SPEECH_VERBS).format(weekday=rng.choice(WEEKDAYS))
        form = rng.randrange(5)
        if form == 0:
            return f'"{quote}," {speaker} {verb}.'
        if form == 1:
            return f'"{quote}," {rng.choice(("said", "added", "warned"))} {speaker}.'
        if form == 2:
            return f'{_cap(speaker)} was more cautious. "{quote}," {pronoun} {verb}.'
        if form == 3:
            second = self._quote()
            joined = f"{quote}. {second}" if second else quote
            return f'"{joined}," {speaker} {verb}.'
        return (f"{_cap(speaker)} said {pronoun} expected {rng.choice(self.beat.expectations)}. "
                f'"{quote}," {pronoun} said.')

    def background_paragraph(self) -> str:
        rng = self.rng
        first = self._background()
        sentences = [first] if first else []
        if rng.random() < 0.6 or not sentences:
            connective = rng.choice(CONNECTIVES)
            sentences.append(
                f"{connective}, {rng.choice(self.beat.orgs)} "
                f"{rng.choice(self.beat.actions)} {_an(rng.choice(self.beat.things))} "
                f"in {rng.choice(PLACES)[1]}."
            )
        more = self._background() if rng.random() < 0.4 else None
        if more:
            sentences.append(more)
        return " ".join(sentences)

    def paragraphs(self, count: int, weekday: str) -> list[str]:
        """A lead, then quotes and background in a wire-copy rhythm."""
        return self.more_paragraphs([self.lead(weekday)], count)

    def more_paragraphs(self, out: list[str], count: int) -> list[str]:
        """Quotes and background after the paragraphs `out` already has, up to `count`."""
        while len(out) < count:
            quoted = self.quote_paragraph() if self.rng.random() < 0.4 else None
            out.append(quoted or self.background_paragraph())
        return out

    def body_list(self) -> tuple[str, list[str]]:
        """An introduction and the items of a list that belongs to the article."""
        rng = self.rng
        items = []
        for _ in range(rng.randint(3, 5)):
            if self.beat.leads:  # events: a list of earlier ones
                items.append(f"{_cap(_an(rng.choice(self.beat.things)))} near "
                             f"{rng.choice(PLACES)[0]}, {rng.choice(MONTH_NAMES)} "
                             f"{self.year - rng.randint(1, 9)}")
            else:
                items.append(f"{_cap(rng.choice(self.beat.orgs))} {rng.choice(self.beat.actions)} "
                             f"{_an(rng.choice(self.beat.things))} in {rng.choice(PLACES)[0]}")
        if self.beat.leads:
            return f"Earlier events recorded by {rng.choice(self.beat.orgs)} include:", items
        return rng.choice(("The main points of the plan are:", "Key facts:",
                           "The programme so far:")), items

    def body_table(self) -> list[list[str]]:
        """Rows of a table that belongs to the article (first row is the header)."""
        rng = self.rng
        rows = [["Date", "Location", "Event"]]
        for _ in range(rng.randint(3, 5)):
            day = rng.randint(1, 28)
            rows.append([f"{rng.choice(MONTH_NAMES)} {day}", rng.choice(PLACES)[0],
                         _cap(rng.choice(self.beat.things))])
        return rows

    def related_link_texts(self, count: int) -> list[str]:
        return self.rng.sample(self.beat.link_texts, min(count, len(self.beat.link_texts)))


def _title_case(text: str) -> str:
    return " ".join(word[:1].upper() + word[1:] for word in text.split())


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


_DRAWS: dict[str, Callable[[Writer, random.Random], str]] = {
    "action": lambda w, rng: rng.choice(w.beat.actions),
    "country": lambda w, rng: _cap(w.country),
    "country2": lambda w, rng: _cap(rng.choice(PLACES)[1]),
    "city": lambda w, rng: rng.choice(PLACES)[0],
    "adj": lambda w, rng: w.adj,
    "adj2": lambda w, rng: rng.choice(PLACES)[2],
    "Role": lambda w, rng: _title_case(rng.choice(w.beat.roles)),
    "sea": lambda w, rng: rng.choice(SEAS),
    "region": lambda w, rng: rng.choice(REGIONS),
    "number": lambda w, rng: str(rng.randint(2, 48)),
    "money": lambda w, rng: f"{rng.randint(2, 95) / 10:.1f} billion",
    "year0": lambda w, rng: str(w.year - rng.randint(1, 12)),
    "year1": lambda w, rng: str(w.year - 1),
    "year2": lambda w, rng: str(w.year + rng.randint(1, 9)),
    "weekday": lambda w, rng: rng.choice(WEEKDAYS),
    "journal": lambda w, rng: rng.choice(JOURNALS),
    "month": lambda w, rng: rng.choice(MONTH_NAMES),
    "hour": lambda w, rng: f"{rng.randint(0, 23):02d}",
    "minute": lambda w, rng: f"{rng.randint(0, 59):02d}",
    "tenths": lambda w, rng: f"{rng.randint(3, 24) / 10:.1f}",
    "ordinal": lambda w, rng: rng.choice(ORDINALS),
    "magnitude": lambda w, rng: f"{rng.randint(55, 79) / 10:.1f}",
    "ending": lambda w, rng: rng.choice(HEADLINE_ENDINGS),
}


class _Slots(dict):
    """Template values drawn on first use, so a fill costs only the slots it has."""

    def __init__(self, writer: Writer, overrides: dict[str, str]) -> None:
        super().__init__(overrides)
        self.writer = writer

    def __missing__(self, name: str) -> str:
        value = self.writer.slot(name, self)
        self[name] = value
        return value


def _an(noun: str) -> str:
    return ("an " if noun[:1].lower() in "aeiou" else "a ") + noun


_QUOTE_OPEN = re.compile(r'(^|[\s(])"')


def typeset(text: str) -> str:
    """Curly quotes, apostrophes and en dashes, as edited copy of some eras has them."""
    text = _QUOTE_OPEN.sub(lambda m: m.group(1) + "\u201c", text)
    text = text.replace('"', "\u201d").replace("'", "\u2019")
    return text.replace(" - ", " \u2013 ")


_NOT_ALNUM = re.compile(r"[^A-Za-z0-9]+")
_LOWER_WORD_START = re.compile(r"(?:^|_)[a-z]")


def slugify(title: str) -> str:
    """`US missile shield: minister's view` -> `US_Missile_Shield_Ministers_View`.

    Every title of a large replica goes through here when the slug index is
    built, so words are capitalised by one regex pass rather than one by one.
    """
    words = title.replace("'", "").replace("\u2019", "")
    slug = "_".join(filter(None, _NOT_ALNUM.split(words)))
    return _LOWER_WORD_START.sub(_upper, slug)


def _upper(match: re.Match[str]) -> str:
    return match[0].upper()


class HeadlineMaker:
    """Headlines of one beat drawn from a big number, mixed-radix digit by digit.

    Cheap enough to title every `/reports/` story of a large replica at once
    (the slug index needs them all): no `random.Random`, just `divmod`.
    """

    def __init__(self, beat: str) -> None:
        spec = BEATS[beat]
        countries = [_cap(p[1]) for p in PLACES]
        adjectives = [p[2] for p in PLACES]
        cities = [p[0] for p in PLACES]
        things = [_title_case(t) for t in spec.things]
        self.slots: dict[str, list[str]] = {
            "country": countries, "country2": countries, "adj": adjectives,
            "adj2": adjectives, "city": cities, "Thing": things,
            "Things": [t + "s" for t in things], "org": [_cap(o) for o in spec.orgs],
            "Org": [_cap(o) for o in spec.orgs],
            "sea": list(SEAS), "region": list(REGIONS),
            "number": [str(n) for n in range(2, 49)],
            "magnitude": [f"{n / 10:.1f}" for n in range(55, 80)],
            "subject": countries + [_cap(o) for o in spec.orgs]
            + [f"{adj} {_title_case(role)}" for adj in adjectives for role in spec.roles],
            "verb": list(HEADLINE_VERBS),
            "tail": ["", ""] + [t.format(city=c, ending="") for t in HEADLINE_TAILS[2:6]
                                for c in cities] + [" " + e for e in HEADLINE_ENDINGS],
        }
        self.slots = {name: options if name == "tail" else [_title_case(o) for o in options]
                      for name, options in self.slots.items()}
        composite = "{subject} {verb} {Thing}{tail}"
        self.templates = [(t, _slot_names(t)) for t in spec.headlines]
        self.templates += [(composite, _slot_names(composite))] * len(spec.headlines)

    def make(self, number: int) -> str:
        number, choice = divmod(number, len(self.templates))
        template, names = self.templates[choice]
        values = {}
        for name in names:
            options = self.slots[name]
            number, pick = divmod(number, len(options))
            values[name] = options[pick]
        return template.format_map(values)  # templates and options are in title case


def _slot_names(template: str) -> list[str]:
    return [name for _, name, _, _ in string.Formatter().parse(template) if name]


@cache
def headline_maker(beat: str) -> HeadlineMaker:
    return HeadlineMaker(beat)
