# Build with every dependency (TypeScript, esbuild for the console), then ship only what runs.
FROM node:20-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci
COPY . .
RUN npm run build && npm prune --omit=dev

FROM node:20-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app/package.json /app/package-lock.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# Migrations run at start-up, read from disk.
COPY --from=build /app/migrations ./migrations
USER node
EXPOSE 3000
# The heap flags of `npm start` (see bench/service-process.ts for why).
CMD ["node", "--max-old-space-size=512", "--max-semi-space-size=4", "dist/src/main.js"]
