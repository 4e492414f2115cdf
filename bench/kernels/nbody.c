// N-body simulation of five bodies: f64 arithmetic and sqrt.
#define EXPORT(name) __attribute__((export_name(name)))
#define BODIES 5

typedef struct { double x, y, z, vx, vy, vz, mass; } Body;

static void initialize(Body *bodies) {
    const double pi = 3.141592653589793, solarMass = 4 * pi * pi, daysPerYear = 365.24;
    const Body initial[BODIES] = {
        {0, 0, 0, 0, 0, 0, solarMass},
        {4.84143144246472090e+00, -1.16032004402742839e+00, -1.03622044471123109e-01,
         1.66007664274403694e-03 * daysPerYear, 7.69901118419740425e-03 * daysPerYear,
         -6.90460016972063023e-05 * daysPerYear, 9.54791938424326609e-04 * solarMass},
        {8.34336671824457987e+00, 4.12479856412430479e+00, -4.03523417114321381e-01,
         -2.76742510726862411e-03 * daysPerYear, 4.99852801234917238e-03 * daysPerYear,
         2.30417297573763929e-05 * daysPerYear, 2.85885980666130812e-04 * solarMass},
        {1.28943695621391310e+01, -1.51111514016986312e+01, -2.23307578892655734e-01,
         2.96460137564761618e-03 * daysPerYear, 2.37847173959480950e-03 * daysPerYear,
         -2.96589568540237556e-05 * daysPerYear, 4.36624404335156298e-05 * solarMass},
        {1.53796971148509165e+01, -2.59193146099879641e+01, 1.79258772950371181e-01,
         2.68067772490389322e-03 * daysPerYear, 1.62824170038242295e-03 * daysPerYear,
         -9.51592254519715870e-05 * daysPerYear, 5.15138902046611451e-05 * solarMass},
    };
    for (int i = 0; i < BODIES; i++) bodies[i] = initial[i];
    double px = 0, py = 0, pz = 0;
    for (int i = 0; i < BODIES; i++) {
        px += bodies[i].vx * bodies[i].mass;
        py += bodies[i].vy * bodies[i].mass;
        pz += bodies[i].vz * bodies[i].mass;
    }
    bodies[0].vx = -px / solarMass;
    bodies[0].vy = -py / solarMass;
    bodies[0].vz = -pz / solarMass;
}

static void advance(Body *bodies, double dt) {
    for (int i = 0; i < BODIES; i++) {
        for (int j = i + 1; j < BODIES; j++) {
            double dx = bodies[i].x - bodies[j].x, dy = bodies[i].y - bodies[j].y, dz = bodies[i].z - bodies[j].z;
            double distanceSquared = dx * dx + dy * dy + dz * dz;
            double magnitude = dt / (distanceSquared * __builtin_sqrt(distanceSquared));
            bodies[i].vx -= dx * bodies[j].mass * magnitude;
            bodies[i].vy -= dy * bodies[j].mass * magnitude;
            bodies[i].vz -= dz * bodies[j].mass * magnitude;
            bodies[j].vx += dx * bodies[i].mass * magnitude;
            bodies[j].vy += dy * bodies[i].mass * magnitude;
            bodies[j].vz += dz * bodies[i].mass * magnitude;
        }
    }
    for (int i = 0; i < BODIES; i++) {
        bodies[i].x += dt * bodies[i].vx;
        bodies[i].y += dt * bodies[i].vy;
        bodies[i].z += dt * bodies[i].vz;
    }
}

static double energy(const Body *bodies) {
    double e = 0;
    for (int i = 0; i < BODIES; i++) {
        const Body *b = &bodies[i];
        e += 0.5 * b->mass * (b->vx * b->vx + b->vy * b->vy + b->vz * b->vz);
        for (int j = i + 1; j < BODIES; j++) {
            double dx = b->x - bodies[j].x, dy = b->y - bodies[j].y, dz = b->z - bodies[j].z;
            e -= b->mass * bodies[j].mass / __builtin_sqrt(dx * dx + dy * dy + dz * dz);
        }
    }
    return e;
}

// Advances `steps` steps and returns the final energy scaled to an integer, so every runtime prints the
// same checksum (IEEE arithmetic is deterministic in WebAssembly, NaN bits aside).
EXPORT("nbody") unsigned run_nbody(unsigned steps) {
    Body bodies[BODIES];
    initialize(bodies);
    for (unsigned step = 0; step < steps; step++) advance(bodies, 0.01);
    return (unsigned)(long long)(energy(bodies) * -1e9);
}
